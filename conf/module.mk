LIB_SRCS += $(wildcard conf/*.c)
