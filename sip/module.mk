LIB_SRCS += $(wildcard sip/*.c)
