# gateway/main.c is the daemon's entry point; everything else goes into the library
# so unit tests can link it.
LIB_SRCS += $(filter-out gateway/main.c,$(wildcard gateway/*.c))

# The status page is built in (status_page.c assembles the file).
$(BUILD)/gateway/status_page.o: gateway/status_page.html
