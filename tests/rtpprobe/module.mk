# rtpprobe (tests/rtpprobe/rtpprobe.c): the RTP media of a SIP peer for tests, sending a tone
# or DTMF and checking what arrives, while SIPp does the signalling. Host and guest.
RTPPROBE := $(BUILD)/tests/rtpprobe/rtpprobe

PROGS += $(RTPPROBE)

# $(LIB) is not yet defined when module.mk files are read: name the archive.
$(RTPPROBE): $(BUILD)/tests/rtpprobe/rtpprobe.o $(BUILD)/tests/pstnsim/audio.o $(BUILD)/libstrowger.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)
