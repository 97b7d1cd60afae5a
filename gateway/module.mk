# gateway/main.c is the daemon's entry point; everything else goes into the library
# so unit tests can link it.
LIB_SRCS += $(filter-out gateway/main.c,$(wildcard gateway/*.c))
