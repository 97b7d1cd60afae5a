LIB_SRCS += $(wildcard tdm/*.c)
