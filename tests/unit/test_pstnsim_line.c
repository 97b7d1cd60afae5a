/* The PSTN simulator's analog-line steps added for disconnect supervision and hook flash:
 * line-tone F1[+F2] [cadence ON/OFF] [LEVEL] | off, and flash [D]. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "tests/pstnsim/script.h"

Test(pstnsim_line, line_tone_and_flash)
{
	struct sim_script s;
	char err[128];

	cr_assert_eq(sim_script_parse(&s, "line-tone 480+620 cadence 500/500; line-tone 425 -12; "
				      "line-tone off; flash; flash 400ms", err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(s.n, 5);
	cr_expect_eq(s.cmds[0].op, OP_LINE_TONE);
	cr_expect_eq(s.cmds[0].freq, 480);
	cr_expect_eq(s.cmds[0].freq2, 620);
	cr_expect_eq(s.cmds[0].cad_on, 500);
	cr_expect_eq(s.cmds[0].cad_off, 500);
	cr_expect_eq(s.cmds[0].level, -20, "default level");
	cr_expect_eq(s.cmds[1].freq, 425);
	cr_expect_eq(s.cmds[1].freq2, 0);
	cr_expect_eq(s.cmds[1].cad_on, 0, "continuous");
	cr_expect_eq(s.cmds[1].level, -12);
	cr_expect_eq(s.cmds[2].freq, 0, "off");
	cr_expect_eq(s.cmds[3].op, OP_FLASH);
	cr_expect_eq(s.cmds[3].dur_ms, 0, "DAHDI's flash time");
	cr_expect_eq(s.cmds[4].dur_ms, 400);
	cr_expect(!sim_op_is_expect(OP_LINE_TONE));
	cr_expect_str_eq(sim_op_name(OP_LINE_TONE), "line-tone");
	sim_script_free(&s);

	static const char *const bad[] = {
		"line-tone", "line-tone x", "line-tone 480+", "line-tone 480 cadence 500",
		"line-tone 480 cadence 0/500", "line-tone 480 5", "flash 2x", "! line-tone 480",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sim_script_parse(&s, bad[i], err, sizeof(err)), EINVAL, "accepted: %s",
			     bad[i]);
}

Test(pstnsim_line, pulse)
{
	struct sim_script s;
	char err[128];

	cr_assert_eq(sim_script_parse(&s, "offhook; pulse 5550190", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.n, 2);
	cr_expect_eq(s.cmds[1].op, OP_PULSE);
	cr_expect_str_eq(s.cmds[1].digits, "5550190");
	cr_expect(!sim_op_is_expect(OP_PULSE));
	cr_expect_str_eq(sim_op_name(OP_PULSE), "pulse");
	sim_script_free(&s);

	/* a rotary dial has no * # A-D */
	static const char *const bad[] = { "pulse", "pulse 12#", "pulse *1", "pulse 1A", "pulse x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sim_script_parse(&s, bad[i], err, sizeof(err)), EINVAL, "accepted: %s",
			     bad[i]);
}
