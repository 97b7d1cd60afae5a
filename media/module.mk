LIB_SRCS += $(wildcard media/*.c)
