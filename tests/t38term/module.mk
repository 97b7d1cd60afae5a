# t38term (tests/t38term/t38term.c): a T.38 fax terminal for the SIP side of tests, SpanDSP's
# t38_terminal over the project's UDPTL, while SIPp does the signalling. Host and guest.
T38TERM := $(BUILD)/tests/t38term/t38term

PROGS += $(T38TERM)

# $(LIB) is not yet defined when module.mk files are read: name the archive.
$(T38TERM): $(BUILD)/tests/t38term/t38term.o $(BUILD)/libstrowger.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)
