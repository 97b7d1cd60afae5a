/* Unit tests of conf/: loading, every kind of error with its file:line, printing round trip,
 * reload checks, and the example file against the option table. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "conf/conf.h"
#include "conf/options.h"

#define EXAMPLE "conf/strowger.conf"	/* tests run from the top of the tree */

static struct conf_errors errs;

static void teardown(void)
{
	conf_errors_clear(&errs);
}

TestSuite(conf, .fini = teardown);

static char *errs_text(void)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < errs.count && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %s\n", errs.msgs[i]);
	return buf;
}

static struct conf *load_ok(const char *text)
{
	struct conf *c = NULL;
	int rc = conf_load_string(&c, text, "t.conf", &errs);

	cr_assert_eq(rc, 0, "load failed (%d):\n%s", rc, errs_text());
	cr_assert_not_null(c);
	cr_assert_eq(errs.count, 0);
	return c;
}

/* Load text and expect exactly the n messages given, in this order. */
static void expect_errors(const char *text, unsigned n, ...)
{
	struct conf *c = NULL;
	int rc = conf_load_string(&c, text, "t.conf", &errs);
	va_list ap;

	cr_assert_eq(rc, EINVAL, "expected EINVAL, got %d; errors:\n%s", rc, errs_text());
	cr_assert_null(c);
	cr_assert_eq(errs.count, n, "expected %u errors, got:\n%s", n, errs_text());
	va_start(ap, n);
	for (unsigned i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);
		cr_expect_str_eq(errs.msgs[i], want, "error %u: got\n  %s\nwant\n  %s", i,
				 errs.msgs[i], want);
	}
	va_end(ap);
}

#define expect_error(text, msg) expect_errors(text, 1, msg)

/* ---- valid files --------------------------------------------------------------------- */

Test(conf, empty_file_is_all_defaults)
{
	struct conf *c = load_ok("");

	cr_assert_eq(c->general.log_target, LOG_TO_STDERR);
	cr_assert_eq(c->general.log_level, LL_INFO);
	cr_assert_str_eq(c->general.log_levels, "");
	cr_assert_str_eq(c->general.dahdi_dir, "/dev/dahdi");
	cr_assert_eq(c->general.alarm_poll_ms, 1000);
	cr_assert_eq(c->nspans, 0);
	cr_assert_eq(c->ntrunks, 0);
	cr_assert_eq(c->nroutes, 0);
	cr_assert_null(conf_span_find(c, 1));
	cr_assert_str_eq(c->path, "t.conf");
	conf_free(c);
}

Test(conf, empty_file_on_disk)
{
	char path[] = "/tmp/strowger-conf-XXXXXX";
	int fd = mkstemp(path);
	struct conf *c = NULL;

	cr_assert(fd >= 0);
	close(fd);
	cr_assert_eq(conf_load(&c, path, &errs), 0, "%s", errs_text());
	unlink(path);
	cr_assert_eq(c->nspans, 0);
	cr_assert_eq(c->general.alarm_poll_ms, 1000);
	conf_free(c);
}

Test(conf, comments_only_file)
{
	conf_free(load_ok("; nothing here\n# nor here\n\n   \n"));
}

Test(conf, general_values)
{
	struct conf *c = load_ok("[general]\nlog_target = syslog\nlog_level = DEBUG\n"
				 "log_levels = pri=debug, sip=warn\ndahdi_dir = /tmp/dahdi\n"
				 "alarm_poll_ms = 100 ; the minimum\n");

	cr_assert_eq(c->general.log_target, LOG_TO_SYSLOG);
	cr_assert_eq(c->general.log_level, LL_DEBUG);
	cr_assert_str_eq(c->general.log_levels, "pri=debug, sip=warn");
	cr_assert_str_eq(c->general.dahdi_dir, "/tmp/dahdi");
	cr_assert_eq(c->general.alarm_poll_ms, 100);
	conf_free(c);
}

Test(conf, span_defaults_follow_type_and_signalling)
{
	struct conf *c = load_ok("[span 1]\ntype = e1\nsignalling = pri_cpe\n"
				 "[span 2]\ntype = t1\nsignalling = pri_net\n"
				 "[span 3]\ntype = t1\nsignalling = fxs\n"
				 "[span 4]\ntype = e1\nsignalling = fxo\n");
	const struct conf_span *s;

	cr_assert_eq(c->nspans, 4);
	s = conf_span_find(c, 1);
	cr_assert_not_null(s);
	cr_assert_eq(s->type, SPAN_E1);
	cr_assert_eq(s->sig, SIG_PRI_CPE);
	cr_assert_eq(s->switchtype, SW_EUROISDN);
	cr_assert_eq(s->law, LAW_ALAW);
	cr_assert_eq(s->bchans, 0xFFFEFFFEu);	/* 1-15, 17-31 */
	cr_assert_eq(s->dchannel, 16);
	cr_assert_eq(s->line, 1);

	s = conf_span_find(c, 2);
	cr_assert_eq(s->switchtype, SW_NI2);
	cr_assert_eq(s->law, LAW_ULAW);
	cr_assert_eq(s->bchans, 0x00FFFFFEu);	/* 1-23 */
	cr_assert_eq(s->dchannel, 24);
	cr_assert_eq(s->line, 4);

	s = conf_span_find(c, 3);
	cr_assert_eq(s->sig, SIG_FXS);
	cr_assert_eq(s->law, LAW_ULAW);
	cr_assert_eq(s->bchans, 0x01FFFFFEu);	/* 1-24 */
	cr_assert_eq(s->dchannel, 0);

	s = conf_span_find(c, 4);
	cr_assert_eq(s->sig, SIG_FXO);
	cr_assert_eq(s->law, LAW_ALAW);
	cr_assert_eq(s->bchans, 0xFFFEFFFEu);
	cr_assert_eq(s->dchannel, 0);
	cr_assert_null(conf_span_find(c, 5));
	conf_free(c);
}

Test(conf, span_explicit_values)
{
	struct conf *c = load_ok("[span 7]\ntype = T1\nsignalling = pri_cpe\nswitchtype = 5ess\n"
				 "law = alaw\nchannels = 1, 3-5 ,24\ndchannel = 23\n");
	const struct conf_span *s = conf_span_find(c, 7);

	cr_assert_eq(s->switchtype, SW_5ESS);
	cr_assert_eq(s->law, LAW_ALAW);
	cr_assert_eq(s->bchans, (1u << 1) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 24));
	cr_assert_eq(s->dchannel, 23);
	conf_free(c);
}

Test(conf, trunks_and_routes)
{
	struct conf *c = load_ok("[trunk itsp-1]\nproxy = sip:[::1]:5070;transport=tcp\n"
				 "transport = tcp\nusername = alice\npassword = s3cr;t\n"
				 "register = on\n"
				 "[span 1]\ntype = e1\nsignalling = pri_cpe\n"
				 "[route in]\nfrom = trunk itsp-1\nmatch = +49*#\nto = span 1\n"
				 "strip = 3\nprepend = 0\n"
				 "[route out]\nmatch = /^0[1-9]+$/\nto = trunk itsp-1\n");
	const struct conf_trunk *t = conf_trunk_find(c, "itsp-1");

	cr_assert_not_null(t);
	cr_assert_str_eq(t->proxy, "sip:[::1]:5070;transport=tcp");
	cr_assert_eq(t->transport, TRANSPORT_TCP);
	cr_assert_str_eq(t->username, "alice");
	cr_assert_str_eq(t->password, "s3cr;t");
	cr_assert(t->registration);
	cr_assert_eq(t->line, 1);
	cr_assert_null(conf_trunk_find(c, "itsp"));

	cr_assert_eq(c->nroutes, 2);
	cr_assert_str_eq(c->routes[0].name, "in");
	cr_assert_eq(c->routes[0].from.kind, EP_TRUNK);
	cr_assert_str_eq(c->routes[0].from.trunk, "itsp-1");
	cr_assert_eq(c->routes[0].to.kind, EP_SPAN);
	cr_assert_eq(c->routes[0].to.span, 1);
	cr_assert_str_eq(c->routes[0].match, "+49*#");
	cr_assert_eq(c->routes[0].strip, 3);
	cr_assert_str_eq(c->routes[0].prepend, "0");
	cr_assert_eq(c->routes[1].from.kind, EP_ANY);
	cr_assert_str_eq(c->routes[1].match, "/^0[1-9]+$/");
	cr_assert_eq(c->routes[1].to.kind, EP_TRUNK);
	cr_assert_eq(c->routes[1].strip, 0);
	cr_assert_str_eq(c->routes[1].prepend, "");
	conf_free(c);
}

/* Phased migration: several destinations tried in order, number lists and files. */
Test(conf, route_destination_list)
{
	struct conf *c = load_ok("[span 2]\ntype = e1\nsignalling = pri_net\n"
				 "[span 4]\ntype = t1\nsignalling = pri_cpe\n"
				 "[trunk c1]\nproxy = sip:127.0.0.1:5070\n"
				 "[trunk c2]\nproxy = sip:127.0.0.1:5072\n"
				 "[general]\nfailover_causes = 34, 41\n"
				 "[route ported]\nfrom = span 2\nmatch = @ported.txt\n"
				 "to = trunk c1,trunk c2 ,  span 4\n"
				 "[route list]\nmatch = 4930100, 4930200\nto = span 4\n");
	const struct conf_route *r = &c->routes[0];
	char buf[128];

	cr_assert_eq(r->dest.n, 3);
	cr_expect_eq(r->to.kind, EP_TRUNK, "to is the first destination");
	cr_expect_str_eq(r->to.trunk, "c1");
	cr_expect_str_eq(r->dest.ep[1].trunk, "c2");
	cr_expect_eq(r->dest.ep[2].kind, EP_SPAN);
	cr_expect_eq(r->dest.ep[2].span, 4);
	cr_expect_str_eq(r->match, "@ported.txt");
	cr_expect_eq(c->routes[1].dest.n, 1);
	cr_expect_str_eq(c->routes[1].match, "4930100, 4930200");
	cr_expect_str_eq(c->general.failover_causes, "34, 41");
	const struct conf_opt *o = conf_opt_find(CS_ROUTE, "to");
	cr_assert_not_null(o);
	conf_opt_format(o, r, buf, sizeof(buf));
	cr_expect_str_eq(buf, "trunk c1, trunk c2, span 4");
	conf_free(c);

	expect_error("[trunk c1]\nproxy = sip:127.0.0.1:5070\n[route r]\nto = trunk c1, trunk c9\n",
		     "t.conf:4: to: trunk 'c9' is not defined");
	conf_errors_clear(&errs);
	expect_error("[trunk c1]\nproxy = sip:127.0.0.1:5070\n[route r]\nto = trunk c1,\n",
		     "t.conf:4: to: 'trunk c1,': expected span N, group NAME or trunk NAME, "
		     "separated by commas");
	conf_errors_clear(&errs);
	expect_error("[trunk c1]\nproxy = sip:127.0.0.1:5070\n[route r]\n"
		     "to = trunk c1, trunk c1, trunk c1, trunk c1, trunk c1\n",
		     "t.conf:4: to: 'trunk c1, trunk c1, trunk c1, trunk c1, trunk c1': at most 4 "
		     "destinations");
	conf_errors_clear(&errs);
	expect_error("[general]\nfailover_causes = 34, 200\n",
		     "t.conf:2: failover_causes: bad cause list '34, 200': Q.850 causes 1..127 "
		     "separated by commas");
}

Test(conf, booleans)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES" };
	static const char *const no[] = { "no", "false", "off", "0", "Off" };
	char text[256];

	for (unsigned i = 0; i < 5; i++) {
		for (unsigned v = 0; v < 2; v++) {
			snprintf(text, sizeof(text), "[trunk a]\nproxy = sip:127.0.0.1\nusername = u\n"
				 "register = %s\n", v ? yes[i] : no[i]);
			struct conf *c = load_ok(text);
			cr_assert_eq(c->trunks[0].registration, (bool)v, "%s", text);
			conf_free(c);
		}
	}
}

Test(conf, crlf_bom_colon_and_indent)
{
	struct conf *c = load_ok("\xEF\xBB\xBF[general]\r\n  alarm_poll_ms : 250\r\n"
				 "\tlog_level = warn\r\n[ span 2 ]\r\ntype=e1\r\nsignalling=fxs");

	cr_assert_eq(c->general.alarm_poll_ms, 250);
	cr_assert_eq(c->general.log_level, LL_WARN);
	cr_assert_not_null(conf_span_find(c, 2));
	conf_free(c);
}

/* ---- every kind of error, with its file:line ----------------------------------------- */

Test(conf, err_syntax)
{
	expect_errors("[general]\nlog_level info\n[span 1\ntype = e1\n[general] x\n", 3,
		      "t.conf:2: syntax error: expected [section] or key = value",
		      "t.conf:3: syntax error: '[' without ']'",
		      "t.conf:5: syntax error: text after ']'");
	conf_errors_clear(&errs);
	expect_error("[general]\n = 3\n", "t.conf:2: syntax error: no key before '='");
}

Test(conf, err_key_outside_section)
{
	expect_error("log_level = info\n",
		     "t.conf:1: key 'log_level' outside any section (put it under [general])");
}

Test(conf, err_unknown_section_kind)
{
	expect_error("\n[spam 1]\ntype = e1\n",
		     "t.conf:2: unknown section kind 'spam' in [spam 1] (expected general, "
		     "span N, group NAME, trunk NAME, route NAME or port N:LIST)");
}

Test(conf, err_bad_section_name)
{
	expect_errors("[span x]\ntype = e1\n[span 256]\n[span 0]\n[trunk bad name]\n"
		      "[route]\n[general main]\n", 6,
		      "t.conf:1: bad section name [span x]: the span number must be an "
		      "integer 1..255",
		      "t.conf:3: bad section name [span 256]: the span number must be an "
		      "integer 1..255",
		      "t.conf:4: bad section name [span 0]: the span number must be an "
		      "integer 1..255",
		      "t.conf:5: bad section name [trunk bad name]: a trunk name is 1 to 31 "
		      "characters of A-Z a-z 0-9 _ -",
		      "t.conf:6: bad section name [route]: a route name is 1 to 31 "
		      "characters of A-Z a-z 0-9 _ -",
		      "t.conf:7: bad section name [general main]: [general] takes no name");
}

Test(conf, err_unknown_key_with_suggestion)
{
	expect_errors("[span 2]\ntype = e1\nsignalling = pri_cpe\ndchanel = 16\n"
		      "[general]\nfoo = bar\nloglevel = info\n", 3,
		      "t.conf:4: unknown key 'dchanel' in [span 2] (did you mean 'dchannel'?)",
		      "t.conf:6: unknown key 'foo' in [general]",
		      "t.conf:7: unknown key 'loglevel' in [general] (did you mean "
		      "'log_level'?)");
}

Test(conf, err_unknown_key_in_bad_section_still_reported)
{
	expect_errors("[trunk a b]\nproxi = sip:x\n", 2,
		      "t.conf:1: bad section name [trunk a b]: a trunk name is 1 to 31 "
		      "characters of A-Z a-z 0-9 _ -",
		      "t.conf:2: unknown key 'proxi' in [trunk a b] (did you mean 'proxy'?)");
}

Test(conf, err_bad_enum)
{
	expect_errors("[general]\nlog_target = file\n[span 1]\ntype = j1\nsignalling = pri\n", 3,
		      "t.conf:2: log_target: 'file' is not one of stderr, syslog",
		      "t.conf:4: type: 'j1' is not one of e1, t1",
		      "t.conf:5: signalling: 'pri' is not one of pri_cpe, pri_net, fxs, fxo");
}

Test(conf, err_not_a_number)
{
	expect_errors("[general]\nalarm_poll_ms = fast\n[route r]\nto = span 1\nstrip = 2x\n"
		      "[span 1]\ntype = e1\nsignalling = pri_net\n", 2,
		      "t.conf:2: alarm_poll_ms: 'fast' is not a number",
		      "t.conf:5: strip: '2x' is not a number");
}

Test(conf, err_out_of_range)
{
	expect_errors("[general]\nalarm_poll_ms = 99\n[span 1]\ntype = t1\nsignalling = pri_cpe\n"
		      "dchannel = 25\n[route r]\nto = span 1\nstrip = 33\n"
		      "[general]\n", 4,
		      "t.conf:2: alarm_poll_ms: 99 is out of range (100..60000)",
		      "t.conf:6: dchannel: 25 is out of range (1..24 on t1)",
		      "t.conf:9: strip: 33 is out of range (0..32)",
		      "t.conf:10: duplicate section [general] (first on line 1)");
	conf_errors_clear(&errs);
	expect_error("[general]\nalarm_poll_ms = 99999999999999999999999\n",
		     "t.conf:2: alarm_poll_ms: 99999999999999999999999 is out of range "
		     "(100..60000)");
	conf_errors_clear(&errs);
	expect_error("[general]\nalarm_poll_ms = -5\n",
		     "t.conf:2: alarm_poll_ms: -5 is out of range (100..60000)");
}

Test(conf, err_duplicate_key)
{
	expect_error("[general]\nlog_level = info\n\nlog_level = debug\n",
		     "t.conf:4: duplicate key 'log_level' (first set on line 2)");
}

Test(conf, err_duplicate_section)
{
	expect_errors("[span 1]\ntype = e1\nsignalling = fxs\n[span 01]\ntype = t1\n"
		      "[trunk a]\nproxy = sip:127.0.0.5\n[trunk a]\nproxy = sip:127.0.0.6\n", 2,
		      "t.conf:4: duplicate section [span 1] (first on line 1)",
		      "t.conf:8: duplicate section [trunk a] (first on line 6)");
}

Test(conf, err_missing_required)
{
	expect_errors("[span 3]\nlaw = alaw\n[trunk t]\n[route r]\nfrom = any\n", 4,
		      "t.conf:1: [span 3]: missing required key 'type'",
		      "t.conf:1: [span 3]: missing required key 'signalling'",
		      "t.conf:3: [trunk t]: missing required key 'proxy'",
		      "t.conf:4: [route r]: missing required key 'to'");
}

Test(conf, err_bad_channel_list)
{
	expect_errors("[span 1]\ntype = e1\nsignalling = fxo\nchannels = 1-40\n"
		      "[span 2]\ntype = t1\nsignalling = fxs\nchannels = 1-10,5\n"
		      "[span 3]\ntype = t1\nsignalling = fxs\nchannels = 1-\n"
		      "[span 4]\ntype = t1\nsignalling = fxs\nchannels = 9-3\n"
		      "[span 5]\ntype = t1\nsignalling = fxs\nchannels = 0,1\n"
		      "[span 6]\ntype = t1\nsignalling = fxs\nchannels =\n", 6,
		      "t.conf:4: channels: bad channel list '1-40': position 40 is outside "
		      "1..31 (e1)",
		      "t.conf:8: channels: bad channel list '1-10,5': position 5 listed twice",
		      "t.conf:12: channels: bad channel list '1-': expected positions and "
		      "ranges like 1-15,17-31",
		      "t.conf:16: channels: bad channel list '9-3': range 9-3 runs backwards",
		      "t.conf:20: channels: bad channel list '0,1': position 0 is outside "
		      "1..24 (t1)",
		      "t.conf:24: channels: bad channel list '': expected positions and "
		      "ranges like 1-15,17-31");
}

Test(conf, err_dchannel_inside_bearers)
{
	expect_errors("[span 1]\ntype = e1\nsignalling = pri_cpe\nchannels = 1-20\ndchannel = 16\n"
		      "[span 2]\ntype = e1\nsignalling = pri_net\nchannels = 1-31\n"
		      "[span 3]\ntype = t1\nsignalling = pri_net\nchannels = 1-24\n", 3,
		      "t.conf:5: dchannel: 16 is inside the bearer channels (1-20)",
		      "t.conf:9: dchannel: 16 is inside the bearer channels (1-31)",
		      "t.conf:13: dchannel: 24 is inside the bearer channels (1-24)");
}

Test(conf, err_option_not_valid_for_signalling)
{
	expect_errors("[span 1]\nswitchtype = euroisdn\ntype = e1\nsignalling = fxs\n"
		      "[span 2]\ntype = t1\nsignalling = fxo\ndchannel = 24\n", 2,
		      "t.conf:2: switchtype: not valid on an fxs span (PRI only)",
		      "t.conf:8: dchannel: not valid on an fxo span (PRI only)");
}

Test(conf, err_span_not_defined)
{
	expect_errors("[span 1]\ntype = e1\nsignalling = fxs\n[route a]\nfrom = span 2\n"
		      "to = span 1\n[route b]\nto = span 9\n", 2,
		      "t.conf:5: from: span 2 is not defined",
		      "t.conf:8: to: span 9 is not defined");
}

Test(conf, err_trunk_not_defined)
{
	expect_errors("[route a]\nfrom = trunk nope\nto = trunk gone\n", 2,
		      "t.conf:2: from: trunk 'nope' is not defined",
		      "t.conf:3: to: trunk 'gone' is not defined");
}

Test(conf, err_bad_endpoint)
{
	expect_errors("[route a]\nfrom = pbx\nto = any\n[route b]\nto = span x\n"
		      "[route c]\nto = trunk a b\n", 4,
		      "t.conf:2: from: 'pbx' is not any, span N, group NAME or trunk NAME",
		      "t.conf:3: to: 'any' is not allowed here (expected span N, group NAME or "
		      "trunk NAME)",
		      "t.conf:5: to: 'span x': the span number must be 1..255",
		      "t.conf:7: to: 'trunk a b': a trunk name is 1 to 31 characters of "
		      "A-Z a-z 0-9 _ -");
}

Test(conf, err_bad_regex_and_dialstrings)
{
	struct conf *c = NULL;

	cr_assert_eq(conf_load_string(&c, "[route a]\nmatch = /([0-9]/\nto = trunk t\n"
				      "[trunk t]\nproxy = sip:127.0.0.4\n", "t.conf", &errs), EINVAL);
	cr_assert_eq(errs.count, 1, "%s", errs_text());
	/* The reason is regerror()'s text, which belongs to the C library. */
	cr_assert(!strncmp(errs.msgs[0], "t.conf:2: match: bad regex '/([0-9]/': ",
			   strlen("t.conf:2: match: bad regex '/([0-9]/': ")), "%s", errs.msgs[0]);
	conf_errors_clear(&errs);
	expect_errors("[trunk t]\nproxy = sip:127.0.0.4\n[route a]\nmatch = /abc\nto = trunk t\n"
		      "[route b]\nmatch = 12a\nto = trunk t\nprepend = 0x\n", 3,
		      "t.conf:4: match: bad regex '/abc': it must end with '/'",
		      "t.conf:7: match: '12a' is neither a prefix of digits, *, #, +, a list of them, @FILE nor a "
		      "/regex/",
		      "t.conf:9: prepend: '0x' may hold only digits, *, # and +");
}

Test(conf, err_register_without_username)
{
	expect_error("[trunk t]\nproxy = sip:192.0.2.10\nregister = yes\n",
		     "t.conf:3: register = yes needs a username");
}

Test(conf, err_bad_proxy)
{
	expect_errors("[trunk a]\nproxy = example.org\n[trunk b]\nproxy = sip:\n"
		      "[trunk c]\nproxy = sip:127.0.0.1:99999\n[trunk d]\nproxy = sip:127.0.0.1 x\n"
		      "[trunk e]\nproxy = sip:-carrier.example.org:5060\n"
		      "[trunk f]\nproxy = sip:u@127.0.0.1\n[trunk g]\nproxy = sip:[::1\n"
		      "[trunk h]\nproxy = sip:[192.0.2.1]\n[trunk i]\nproxy = sip:300.1.2.3\n"
		      "[trunk j]\nproxy = sip:carrier_1.example\n", 10,
		      "t.conf:2: proxy: 'example.org' is not sip:host[:port]",
		      "t.conf:4: proxy: 'sip:' is not sip:host[:port]",
		      "t.conf:6: proxy: 'sip:127.0.0.1:99999' is not sip:host[:port]",
		      "t.conf:8: proxy: 'sip:127.0.0.1 x' is not sip:host[:port]",
		      "t.conf:10: proxy: 'sip:-carrier.example.org:5060' is not sip:host[:port]",
		      "t.conf:12: proxy: 'sip:u@127.0.0.1' has a user part: a proxy is sip:host[:port]",
		      "t.conf:14: proxy: 'sip:[::1' is not sip:host[:port]",
		      "t.conf:16: proxy: 'sip:[192.0.2.1]' is not sip:host[:port]",
		      "t.conf:18: proxy: 'sip:300.1.2.3' is not sip:host[:port]",
		      "t.conf:20: proxy: 'sip:carrier_1.example' is not sip:host[:port]");
}

/* RFC 3263 host names and TLS: what a carrier trunk needs parses, with its defaults. */
Test(conf, trunk_host_name_tls_dns)
{
	struct conf *c = load_ok("[general]\ntls_cert = /etc/strowger/gw.pem\n"
				 "tls_key = /etc/strowger/gw.key\ndns_server = 127.0.0.1:5353\n"
				 "[trunk carrier]\nproxy = sip:carrier.example.org\ntransport = tls\n"
				 "[trunk v6]\nproxy = sip:[2001:db8::1]:5061\n");
	cr_expect_str_eq(c->trunks[0].proxy, "sip:carrier.example.org");
	cr_expect_eq(c->trunks[0].transport, TRANSPORT_TLS);
	cr_expect_eq(c->general.sip_tls_port, 5061);
	cr_expect(c->general.tls_verify, "verification is on unless turned off");
	cr_expect_str_eq(c->general.tls_ca, "/etc/ssl/certs/ca-certificates.crt");
	cr_expect_str_eq(c->general.tls_cert, "/etc/strowger/gw.pem");
	cr_expect_str_eq(c->general.dns_server, "127.0.0.1:5353");
	conf_free(c);
	expect_errors("[general]\ndns_server = ns.example\n[general]\n", 2,
		      "t.conf:2: dns_server: 'ns.example' is not ADDR[:PORT] with a numeric address",
		      "t.conf:3: duplicate section [general] (first on line 1)");
}

Test(conf, err_bad_log_levels)
{
	expect_errors("[general]\nlog_levels = pri=debug,nosuch=info\n[general]\n", 2,
		      "t.conf:2: log_levels: unknown log subsystem 'nosuch'",
		      "t.conf:3: duplicate section [general] (first on line 1)");
	conf_errors_clear(&errs);
	expect_error("[general]\nlog_levels = sip=loud\n",
		     "t.conf:2: log_levels: unknown log level 'loud' for sip");
	conf_errors_clear(&errs);
	expect_error("[general]\nlog_levels = sip\n",
		     "t.conf:2: log_levels: 'sip' is not subsystem=level");
}

Test(conf, err_value_too_long)
{
	char text[600];

	snprintf(text, sizeof(text), "[general]\ndahdi_dir = /%0300d\n", 0);
	expect_error(text, "t.conf:2: dahdi_dir: longer than 255 characters");
}

Test(conf, err_line_too_long)
{
	static char text[4096];
	int n = snprintf(text, sizeof(text), "[general]\nlog_levels = ");

	memset(text + n, 'x', 1200);
	strcpy(text + n + 1200, "\nalarm_poll_ms = 1\n");
	expect_errors(text, 2, "t.conf:2: line too long (1213 characters; at most 1000)",
		      "t.conf:3: alarm_poll_ms: 1 is out of range (100..60000)");
}

Test(conf, long_line_below_limit_is_read_whole)
{
	/* Longer than inih's default 200 characters: must not be cut. */
	static char text[2048];
	int n = snprintf(text, sizeof(text), "[general]\nlog_levels = ");

	for (int i = 0; i < 20; i++)	/* 212 characters */
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%spri=debug", i ? "," : "");
	strcpy(text + n, "\nalarm_poll_ms = 1\n");
	expect_error(text, "t.conf:3: alarm_poll_ms: 1 is out of range (100..60000)");
}

Test(conf, unreadable_file)
{
	struct conf *c = NULL;

	cr_assert_eq(conf_load(&c, "/nonexistent/strowger.conf", &errs), ENOENT);
	cr_assert_null(c);
	cr_assert_eq(errs.count, 1);
	cr_assert_str_eq(errs.msgs[0],
			 "/nonexistent/strowger.conf: cannot read: No such file or directory");
	conf_errors_clear(&errs);
	cr_assert_eq(conf_load(&c, "/tmp", &errs), EISDIR);
	cr_assert_str_eq(errs.msgs[0], "/tmp: cannot read: Is a directory");
}

Test(conf, all_errors_collected_in_line_order)
{
	expect_errors("[route r]\nto = span 4\nstrip = 99\n[span 4]\ntype = e1\n"
		      "signalling = pri_cpe\nlaw = mu\nbogus = 1\n", 3,
		      "t.conf:3: strip: 99 is out of range (0..32)",
		      "t.conf:7: law: 'mu' is not one of alaw, ulaw",
		      "t.conf:8: unknown key 'bogus' in [span 4]");
}

Test(conf, bad_arguments)
{
	struct conf *c = NULL;

	cr_assert_eq(conf_load(NULL, "x", &errs), EINVAL);
	cr_assert_eq(conf_load(&c, NULL, &errs), EINVAL);
	cr_assert_eq(conf_load_string(&c, "", "x", NULL), EINVAL);
	conf_free(NULL);
	conf_errors_clear(NULL);
	cr_assert_eq(conf_restart_needed(NULL, NULL, NULL, 0), 0);
}

/* Garbage made of config-like pieces: never a crash, a leak or a silent success with errors;
 * whatever loads prints and loads again. */
Test(conf, random_input_is_handled)
{
	static const char *const pieces[] = {
		"[", "]", "span", "trunk", "route", "general", " ", "\t", "=", ":", ";", "#",
		"\n", "\r\n", "1", "31", "-", ",", "type", "e1", "t1", "signalling", "pri_cpe",
		"fxs", "channels", "dchannel", "to", "from", "any", "proxy", "sip:", "h", "/",
		"(", "register", "yes", "username", "x", "\xEF\xBB\xBF", "strip", "match",
		"group", "spans", "hunt", "g", "2", "2, 1", "pri_net",
	};
	const unsigned npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint32_t seed = 12345;
	char text[2048];

	for (unsigned iter = 0; iter < 2000; iter++) {
		size_t n = 0;
		unsigned count = 1 + iter % 120;
		for (unsigned k = 0; k < count; k++) {
			seed = seed * 1103515245u + 12345u;
			const char *p = pieces[(seed >> 16) % npieces];
			if (n + strlen(p) + 1 >= sizeof(text))
				break;
			memcpy(text + n, p, strlen(p));
			n += strlen(p);
		}
		text[n] = '\0';
		struct conf *c = NULL;
		int rc = conf_load_string(&c, text, "r.conf", &errs);
		cr_assert(rc == 0 || rc == EINVAL, "rc %d for:\n%s", rc, text);
		cr_assert_eq(rc == 0, errs.count == 0, "%s", text);
		if (c) {
			char *out = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&out, &len);
			struct conf *again = NULL;
			conf_print(c, f);
			fclose(f);
			cr_assert_eq(conf_load_string(&again, out, "p.conf", &errs), 0,
				     "%s\nprinted as\n%s\n%s", text, out, errs_text());
			conf_free(again);
			free(out);
			conf_free(c);
		}
		conf_errors_clear(&errs);
	}
}

/* ---- printing ------------------------------------------------------------------------ */

static char *print_to_string(const struct conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	conf_print(c, f);
	fclose(f);
	return text;
}

/* Print, load what was printed, print again: the two texts are identical. */
static void round_trip(const char *text)
{
	struct conf *a = load_ok(text), *b;
	char *first = print_to_string(a), *second;

	b = load_ok(first);
	second = print_to_string(b);
	cr_assert_str_eq(first, second);
	cr_assert_eq(conf_restart_needed(a, b, NULL, 0), 0);
	free(first);
	free(second);
	conf_free(a);
	conf_free(b);
}

Test(conf, print_round_trip_empty)
{
	round_trip("");
}

Test(conf, print_round_trip_everything)
{
	round_trip("[general]\nlog_target = syslog\nlog_levels = rtp=debug\n"
		   "[span 1]\ntype = e1\nsignalling = pri_cpe\nchannels = 1-3,5,7-15,17-31\n"
		   "[span 2]\ntype = t1\nsignalling = fxo\n"
		   "[trunk t]\nproxy = sip:127.0.0.1;lr\nusername = u\npassword =;odd pass\n"
		   "register = yes\n"
		   "[route r]\nfrom = span 2\nmatch = /^[0-9]{3}$/\nto = trunk t\nstrip = 1\n"
		   "prepend = +1\n");
}

Test(conf, print_has_every_option_and_warns_of_secrets)
{
	struct conf *c = load_ok("[span 1]\ntype = e1\nsignalling = pri_net\n"
				 "[span 2]\ntype = e1\nsignalling = pri_net\n"
				 "[span 3]\ntype = t1\nsignalling = fxs\n"
				 "[group g]\nspans = 2\n"
				 "[trunk t]\nproxy = sip:127.0.0.1\npassword = hunter2\n"
				 "[route r]\nto = trunk t\n"
				 "[port 3:1]\n");
	char *text = print_to_string(c), needle[64];

	cr_assert(strstr(text, "secrets"), "%s", text);
	cr_assert(strstr(text, "password = hunter2\n"), "%s", text);
	for (unsigned i = 0; i < conf_nopts; i++) {
		snprintf(needle, sizeof(needle), "\n%s =", conf_opts[i].name);
		cr_assert(strstr(text, needle), "'%s' missing from:\n%s", conf_opts[i].name, text);
	}
	cr_assert(strstr(text, "\nchannels = 1-15,17-31\n"), "%s", text);
	cr_assert(strstr(text, "\ndchannel = 16\n"), "%s", text);
	free(text);
	conf_free(c);
}

/* ---- reload -------------------------------------------------------------------------- */

Test(conf, restart_needed)
{
	struct conf *a = load_ok("[general]\nlog_level = info\n"
				 "[span 1]\ntype = e1\nsignalling = pri_cpe\n"
				 "[span 2]\ntype = t1\nsignalling = fxs\n"
				 "[trunk t]\nproxy = sip:127.0.0.1\n[trunk u]\nproxy = sip:127.0.0.2\n"
				 "[route r]\nto = span 1\n");
	struct conf *b = load_ok("[general]\nlog_level = debug\nalarm_poll_ms = 500\n"
				 "dahdi_dir = /tmp/dahdi\n"
				 "[span 1]\ntype = e1\nsignalling = pri_cpe\nlaw = ulaw\n"
				 "[span 3]\ntype = t1\nsignalling = fxo\n"
				 "[trunk t]\nproxy = sip:127.0.0.1\ntransport = tcp\n[trunk v]\nproxy = sip:127.0.0.3\n"
				 "[route r]\nto = span 3\nmatch = 9\n[route s]\nto = trunk t\n");
	struct conf *c = load_ok("[general]\nlog_level = debug\nlog_target = syslog\n"
				 "log_levels = sip=debug\n"
				 "[span 1]\ntype = e1\nsignalling = pri_cpe\n"
				 "[span 2]\ntype = t1\nsignalling = fxs\n"
				 "[trunk t]\nproxy = sip:127.0.0.1\n[trunk u]\nproxy = sip:127.0.0.2\n"
				 "[route x]\nto = trunk u\n");
	char buf[512];

	/* Trunks are reloaded whole (added, changed, removed): never listed. */
	cr_assert_eq(conf_restart_needed(a, b, buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "[general] dahdi_dir\n"
			      "[span 1] law\n"
			      "[span 2] removed\n"
			      "[span 3] added\n");
	/* Only reloadable options and routes changed. */
	cr_assert_eq(conf_restart_needed(a, c, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "");
	/* A short buffer truncates the text, not the count. */
	cr_assert_eq(conf_restart_needed(a, b, buf, 12), 4);
	cr_assert_str_eq(buf, "[general] d");
	conf_free(a);
	conf_free(b);
	conf_free(c);
}

Test(conf, restart_needed_when_signalling_changes)
{
	struct conf *a = load_ok("[span 1]\ntype = e1\nsignalling = pri_cpe\n");
	struct conf *b = load_ok("[span 1]\ntype = e1\nsignalling = fxs\n");
	char buf[256];

	/* country_code and national_prefix are reloadable: not listed even as they vanish;
	 * nor is hunt, which changes with the groups */
	cr_assert_eq(conf_restart_needed(a, b, buf, sizeof(buf)), 4, "%s", buf);
	cr_assert_str_eq(buf, "[span 1] signalling\n[span 1] switchtype\n[span 1] dchannel\n"
			      "[span 1] overlap\n");
	conf_free(a);
	conf_free(b);
}

/* A reload keeps what needs a restart as it runs and takes the rest of the new file. */
Test(conf, reload_merge_keeps_what_needs_a_restart)
{
	struct conf *a = load_ok("[general]\nlog_level = info\nsip_port = 5060\n"
				 "[span 1]\ntype = e1\nsignalling = pri_cpe\necho"
				 "cancel_taps = 128\n"
				 "[span 2]\ntype = e1\nsignalling = pri_cpe\n"
				 "[group g]\nspans = 2\n"
				 "[trunk t]\nproxy = sip:127.0.0.1\n"
				 "[route r]\nto = span 1\n");
	struct conf *b = load_ok("[general]\nlog_level = debug\nsip_port = 5062\n"
				 "[span 1]\ntype = e1\nsignalling = pri_net\necho"
				 "cancel_taps = 256\n"
				 "[span 2]\ntype = e1\nsignalling = pri_cpe\necho"
				 "cancel = no\ncountry_code = 49\n"
				 "[span 3]\ntype = t1\nsignalling = fxs\n"
				 "[trunk u]\nproxy = sip:127.0.0.2\n"
				 "[route r]\nto = trunk u\n[route s]\nto = span 3\n");

	cr_assert_eq(conf_reload_merge(a, b), 0);
	/* [general]: the reloadable level taken, the SIP port kept */
	cr_expect_eq(b->general.log_level, a->general.log_level + 1);
	cr_expect_eq(b->general.sip_port, 5060);
	/* spans as they run: span 3 not added, span 1's signalling kept and, as its
	 * signalling differs, none of its options taken; span 2's reloadable ones taken */
	cr_assert_eq(b->nspans, 2);
	cr_expect_eq(conf_span_find(b, 1)->sig, SIG_PRI_CPE);
	cr_expect_eq(conf_span_find(b, 1)->echocancel_taps, 128);
	cr_expect_null(conf_span_find(b, 3));
	cr_expect_eq(conf_span_find(b, 2)->echocancel, false);
	cr_expect_str_eq(conf_span_find(b, 2)->country_code, "49");
	/* group g removed over a span that runs on: span 2 is a plain span again */
	cr_expect_null(conf_group_find(b, "g"));
	/* trunks and routes are the new file's */
	cr_expect_null(conf_trunk_find(b, "t"));
	cr_expect_not_null(conf_trunk_find(b, "u"));
	cr_expect_eq(b->nroutes, 2);
	cr_expect_eq(conf_reload_merge(NULL, b), EINVAL);
	conf_free(a);
	conf_free(b);
}

Test(conf, trunk_equal_compares_every_option_but_the_line)
{
	struct conf *a = load_ok("[trunk t]\nproxy = sip:127.0.0.1\nfrom_user = a\n");
	struct conf *b = load_ok("\n\n[trunk t]\nproxy = sip:127.0.0.1\nfrom_user = a\n");
	struct conf *c = load_ok("[trunk t]\nproxy = sip:127.0.0.1\nfrom_user = b\n");

	cr_expect(conf_trunk_equal(&a->trunks[0], &b->trunks[0]));
	cr_expect_not(conf_trunk_equal(&a->trunks[0], &c->trunks[0]));
	conf_free(a);
	conf_free(b);
	conf_free(c);
}

/* ---- the table and the example file -------------------------------------------------- */

Test(conf, table_is_sound)
{
	for (unsigned i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];
		cr_assert(o->name && o->desc && *o->desc, "row %u", i);
		cr_assert_eq(!!(o->flags & OPT_REQUIRED), !o->def && !o->def_fn, "%s", o->name);
		cr_assert_eq(conf_opt_find(o->sect, o->name), o, "%s listed twice", o->name);
		if (o->type == OT_ENUM)
			cr_assert_not_null(o->names, "%s", o->name);
	}
	/* log_level's names are common/log.c's, in the same order. */
	const struct conf_opt *o = conf_opt_find(CS_GENERAL, "log_level");
	for (int l = 0; l < LL_COUNT; l++)
		cr_assert_str_eq(o->names[l], log_level_name(l));
	cr_assert_null(o->names[LL_COUNT]);
}

Test(conf, example_file_documents_every_key)
{
	FILE *f = fopen(EXAMPLE, "r");
	char *line = NULL;
	size_t cap = 0;
	bool seen[256] = { false };

	cr_assert_not_null(f, "cannot open %s from %s", EXAMPLE, getcwd(NULL, 0));
	cr_assert(conf_nopts <= 256);
	/* "key = value", commented out or not. */
	while (getline(&line, &cap, f) >= 0) {
		const char *p = line + strspn(line, ";# \t");
		for (unsigned i = 0; i < conf_nopts; i++) {
			size_t n = strlen(conf_opts[i].name);
			if (!strncmp(p, conf_opts[i].name, n) &&
			    p[n + strspn(p + n, " \t")] == '=')
				seen[i] = true;
		}
	}
	free(line);
	fclose(f);
	for (unsigned i = 0; i < conf_nopts; i++)
		cr_expect(seen[i], "%s does not show '%s = ...'", EXAMPLE, conf_opts[i].name);
}

Test(conf, example_file_loads_cleanly)
{
	struct conf *c = NULL;
	int rc = conf_load(&c, EXAMPLE, &errs);

	cr_assert_eq(rc, 0, "%s", errs_text());
	cr_assert_eq(c->nspans, 5);
	cr_assert_eq(c->ngroups, 1);
	cr_assert_eq(c->ntrunks, 2);
	cr_assert_eq(c->nroutes, 5);
	cr_assert_eq(c->nports, 2);
	cr_assert_str_eq(c->path, EXAMPLE);
	conf_free(c);
}

Test(conf, file_round_trip_through_disk)
{
	char path[] = "/tmp/strowger-conf-XXXXXX";
	int fd = mkstemp(path);
	struct conf *a = NULL, *b = NULL;
	FILE *f;

	cr_assert(fd >= 0);
	cr_assert_eq(conf_load(&a, EXAMPLE, &errs), 0, "%s", errs_text());
	f = fdopen(fd, "w");
	conf_print(a, f);
	fclose(f);
	cr_assert_eq(conf_load(&b, path, &errs), 0, "%s", errs_text());
	unlink(path);
	char *ta = print_to_string(a), *tb = print_to_string(b);
	cr_assert_str_eq(ta, tb);
	free(ta);
	free(tb);
	conf_free(a);
	conf_free(b);
}

/* ---- SIP, RTP and cause options ------------------------------------------------------ */

Test(conf, sip_address_must_be_numeric)
{
	expect_error("[general]\nsip_address = gw.example.net\n",
		     "t.conf:2: sip_address: 'gw.example.net' is not a numeric IPv4 or IPv6 address");
}

Test(conf, sip_and_rtp_addresses)
{
	struct conf *c = load_ok("[general]\nsip_address = ::1\nrtp_address = 127.0.0.2\n");
	cr_assert_str_eq(c->general.sip_address, "::1");
	cr_assert_str_eq(c->general.rtp_address, "127.0.0.2");
	cr_assert_eq(c->general.sip_port, 5060);
	conf_free(c);
}

Test(conf, external_address)
{
	struct conf *c = load_ok("[general]\n");
	cr_expect_str_eq(c->general.external_address, "", "none by default");
	conf_free(c);
	c = load_ok("[general]\nexternal_address = 192.0.2.10\n");
	cr_expect_str_eq(c->general.external_address, "192.0.2.10");
	cr_expect_str_eq(c->general.sip_address, "127.0.0.1", "the sockets' address unchanged");
	conf_free(c);
	expect_error("[general]\nexternal_address = gw.example.net\n",
		     "t.conf:2: external_address: 'gw.example.net' is not a numeric IPv4 or IPv6 "
		     "address");
}

Test(conf, rtp_range_needs_a_port_pair)
{
	expect_error("[general]\nrtp_port_min = 30000\nrtp_port_max = 30000\n",
		     "t.conf:3: rtp_port_max: 30000 leaves no RTP port pair above rtp_port_min 30000");
}

Test(conf, cause_map_item_syntax)
{
	expect_error("[general]\ncause_map = 17=486, 17:486\n",
		     "t.conf:2: cause_map: '17:486' is not CAUSE=STATUS or STATUS=CAUSE");
}

Test(conf, cause_map_item_ranges)
{
	expect_error("[general]\ncause_map = 200=17\n",
		     "t.conf:2: cause_map: '200=17': need a Q.850 cause 1..127 and a SIP status 300..699");
}

Test(conf, cause_map_valid)
{
	struct conf *c = load_ok("[general]\ncause_map = 17=486, 480=18\n");
	cr_assert_str_eq(c->general.cause_map, "17=486, 480=18");
	conf_free(c);
}

Test(conf, pri_span_overlap_and_hunt)
{
	struct conf *c = load_ok("[span 1]\ntype = e1\nsignalling = pri_net\noverlap = yes\n"
				 "hunt = roundrobin\n");
	cr_assert(c->spans[0].overlap);
	cr_assert_eq(c->spans[0].hunt, HUNT_ROUNDROBIN);
	conf_free(c);
}

Test(conf, hunt_is_pri_only)
{
	expect_error("[span 3]\ntype = t1\nsignalling = fxs\nhunt = descending\n",
		     "t.conf:4: hunt: not valid on an fxs span (PRI only)");
}

Test(conf, number_format_and_trust)
{
	struct conf *c = load_ok("[span 1]\ntype = e1\nsignalling = pri_cpe\ncountry_code = 49\n"
				 "national_prefix = 0\n[trunk t]\nproxy = sip:127.0.0.1\n"
				 "trust = yes\n[trunk u]\nproxy = sip:127.0.0.2\n");
	cr_assert_str_eq(c->spans[0].country_code, "49");
	cr_assert_str_eq(c->spans[0].national_prefix, "0");
	cr_assert(c->trunks[0].trust);
	cr_assert_not(c->trunks[1].trust);	/* RFC 3325: nobody is trusted unless said */
	conf_free(c);
}

Test(conf, err_number_format)
{
	expect_errors("[span 1]\ntype = e1\nsignalling = pri_cpe\ncountry_code = +49\n"
		      "national_prefix = 00000\n"
		      "[span 2]\ntype = e1\nsignalling = pri_cpe\ncountry_code = 1234\n"
		      "national_prefix = 0x\n"
		      "[span 3]\ntype = t1\nsignalling = fxs\ncountry_code = 1\n", 5,
		      "t.conf:4: country_code: '+49' must be 1 to 3 digits",
		      "t.conf:5: national_prefix: longer than 4 characters",
		      "t.conf:9: country_code: longer than 3 characters",
		      "t.conf:10: national_prefix: '0x' must be 0 to 4 digits",
		      "t.conf:14: country_code: not valid on an fxs span (PRI only)");
}

Test(conf, echocancel)
{
	struct conf *c = load_ok("[span 1]\ntype = e1\nsignalling = pri_cpe\n"
				 "[span 2]\ntype = t1\nsignalling = fxs\nechocancel = no\n"
				 "[span 3]\ntype = t1\nsignalling = pri_net\nechocancel_taps = 512\n");
	cr_assert(c->spans[0].echocancel);		/* on by default, as chan_dahdi */
	cr_assert_eq(c->spans[0].echocancel_taps, 128);
	cr_assert_not(c->spans[1].echocancel);
	cr_assert_eq(c->spans[2].echocancel_taps, 512);
	conf_free(c);
}

Test(conf, err_echocancel_taps)
{
	/* DAHDI would take 100 silently as its default length: say so instead */
	expect_errors("[span 1]\ntype = e1\nsignalling = pri_cpe\nechocancel_taps = 100\n"
		      "[span 2]\ntype = e1\nsignalling = pri_cpe\nechocancel_taps = 2048\n", 2,
		      "t.conf:4: echocancel_taps: 100 is not a power of two (32, 64, 128, 256, 512, 1024)",
		      "t.conf:8: echocancel_taps: 2048 is out of range (32..1024)");
}

Test(conf, trunk_from_account)
{
	struct conf *c = load_ok("[trunk t]\nproxy = sip:127.0.0.1\nfrom_user = acct-77\n"
				 "from_domain = sip.carrier.example\n");
	cr_assert_str_eq(c->trunks[0].from_user, "acct-77");
	cr_assert_str_eq(c->trunks[0].from_domain, "sip.carrier.example");
	conf_free(c);
	expect_errors("[trunk t]\nproxy = sip:127.0.0.1\nfrom_user = a@b\nfrom_domain = -x\n", 2,
		      "t.conf:3: from_user: 'a@b': '@' is not allowed in a SIP user part",
		      "t.conf:4: from_domain: '-x' is not a host name or numeric address");
}

Test(conf, fixed_identity_trunk_and_route)
{
	struct conf *c = load_ok("[trunk t]\nproxy = sip:127.0.0.1\n"
				 "pai = sip:+4930999@carrier.example\nprivacy = none\n"
				 "[route r]\nto = trunk t\npai = +4940555\nprivacy = header;user\n");
	cr_expect_str_eq(c->trunks[0].pai, "sip:+4930999@carrier.example");
	cr_expect_str_eq(c->trunks[0].privacy, "none");
	cr_expect_str_eq(c->routes[0].pai, "+4940555");
	cr_expect_str_eq(c->routes[0].privacy, "header;user");
	conf_free(c);
	expect_errors("[trunk t]\nproxy = sip:127.0.0.1\npai = sip:a b@c\nprivacy = id;none\n"
		      "[route r]\nto = trunk t\npai = sip:\nprivacy = id;\n", 4,
		      "t.conf:3: pai: 'sip:a b@c' is not a sip:, sips: or tel: URI (no spaces, "
		      "quotes or <>)",
		      "t.conf:4: privacy: 'id;none' is not none or id, header, user joined by ';'",
		      "t.conf:7: pai: 'sip:' is not a sip:, sips: or tel: URI (no spaces, quotes "
		      "or <>)",
		      "t.conf:8: privacy: 'id;' ends in ';'");
}

/* ---- fax ------------------------------------------------------------------------------ */

Test(conf, fax_defaults)
{
	struct conf *c = load_ok("[trunk t]\nproxy = sip:127.0.0.1\n");
	const struct conf_trunk *t = &c->trunks[0];

	cr_assert_eq(t->fax, FAX_T38);
	cr_assert_eq(t->fax_detect, FAX_DETECT_ANY);
	cr_assert(t->fax_ecm);
	cr_assert_eq(t->t38_redundancy, 3);
	cr_assert_eq(t->t38_redundancy_image, 1);
	cr_assert_eq(t->t38_max_datagram, 400);
	cr_assert_eq(t->fax_timeout, 30);
	conf_free(c);
}

Test(conf, fax_values)
{
	struct conf *c = load_ok("[trunk t]\nproxy = sip:127.0.0.1\nfax = passthrough\n"
				 "fax_detect = ced\nfax_ecm = no\nt38_redundancy = 5\n"
				 "t38_redundancy_image = 0\nt38_max_datagram = 1400\n"
				 "fax_timeout = 5\n[trunk u]\nproxy = sip:127.0.0.2\nfax = off\n"
				 "fax_detect = none\n");

	cr_assert_eq(c->trunks[0].fax, FAX_PASSTHROUGH);
	cr_assert_eq(c->trunks[0].fax_detect, FAX_DETECT_CED);
	cr_assert_not(c->trunks[0].fax_ecm);
	cr_assert_eq(c->trunks[0].t38_redundancy, 5);
	cr_assert_eq(c->trunks[0].t38_redundancy_image, 0);
	cr_assert_eq(c->trunks[0].t38_max_datagram, 1400);
	cr_assert_eq(c->trunks[0].fax_timeout, 5);
	cr_assert_eq(c->trunks[1].fax, FAX_OFF);
	cr_assert_eq(c->trunks[1].fax_detect, FAX_DETECT_NONE);
	conf_free(c);
}

Test(conf, fax_errors)
{
	expect_errors("[trunk t]\nproxy = sip:127.0.0.1\nfax = t37\nfax_detect = cng\n"
		   "t38_redundancy = 9\nt38_max_datagram = 50\nfax_timeout = 0\n", 5,
		   "t.conf:3: fax: 't37' is not one of t38, passthrough, off",
		   "t.conf:4: fax_detect: 'cng' is not one of any, ced, none",
		   "t.conf:5: t38_redundancy: 9 is out of range (0..8)",
		   "t.conf:6: t38_max_datagram: 50 is out of range (100..1400)",
		   "t.conf:7: fax_timeout: 0 is out of range (5..600)");
}

/* ---- digest authentication of INVITEs from no trunk's address (RFC 3261 §22.4) ------- */

Test(conf, inbound_auth_defaults)
{
	struct conf *c = load_ok("[trunk t]\nproxy = sip:127.0.0.1\n");

	cr_assert_str_eq(c->general.auth_realm, "strowger");
	cr_assert_eq(c->general.auth_nonce_lifetime, 30);
	cr_assert_not(c->trunks[0].inbound_auth, "nobody is challenged unless said");
	conf_free(c);
}

Test(conf, inbound_auth_values)
{
	struct conf *c = load_ok("[general]\nauth_realm = gw.example.net\n"
				 "auth_nonce_lifetime = 5\n"
				 "[trunk pbx]\nproxy = sip:192.0.2.1\nusername = branch7\n"
				 "password = 8f2k;Qz\ninbound_auth = yes\n"
				 "[trunk carrier]\nproxy = sip:192.0.2.2\nusername = branch7\n"
				 "password = other\nregister = yes\n"
				 "[trunk other]\nproxy = sip:192.0.2.3\nusername = branch8\n"
				 "password = x\ninbound_auth = on\n");

	cr_assert_str_eq(c->general.auth_realm, "gw.example.net");
	cr_assert_eq(c->general.auth_nonce_lifetime, 5);
	cr_assert(c->trunks[0].inbound_auth);
	cr_assert_str_eq(c->trunks[0].password, "8f2k;Qz");
	cr_assert_not(c->trunks[1].inbound_auth, "the same username without inbound_auth");
	cr_assert(c->trunks[2].inbound_auth);
	conf_free(c);

	/* The longest realm; the longest lifetime. */
	char text[300];
	snprintf(text, sizeof(text), "[general]\nauth_realm = %0128d\nauth_nonce_lifetime = 3600\n",
		 7);
	c = load_ok(text);
	cr_assert_eq(strlen(c->general.auth_realm), 128);
	cr_assert_eq(c->general.auth_nonce_lifetime, 3600);
	conf_free(c);
}

Test(conf, err_inbound_auth_without_credentials)
{
	expect_errors("[trunk a]\nproxy = sip:127.0.0.1\ninbound_auth = yes\n"
		      "[trunk b]\nproxy = sip:127.0.0.1\nusername = bob\ninbound_auth = yes\n"
		      "[trunk c]\nproxy = sip:127.0.0.1\ninbound_auth = yes\npassword = pw\n"
		      "[trunk d]\nproxy = sip:127.0.0.1\nusername = dave\npassword =\ninbound_auth = 1\n", 4,
		      "t.conf:3: inbound_auth = yes needs a username and a password",
		      "t.conf:7: inbound_auth = yes needs a password",
		      "t.conf:10: inbound_auth = yes needs a username",
		      "t.conf:16: inbound_auth = yes needs a password");
}

Test(conf, err_inbound_auth_username_twice)
{
	expect_errors("[trunk a]\nproxy = sip:127.0.0.1\nusername = alice\npassword = x\n"
		      "inbound_auth = yes\n"
		      "[trunk b]\ninbound_auth = yes\nproxy = sip:127.0.0.1\nusername = alice\n"
		      "password = y\n"
		      "[trunk c]\nproxy = sip:127.0.0.1\nusername = alice\npassword = z\n"
		      "inbound_auth = yes\n", 2,
		      "t.conf:7: inbound_auth: username 'alice' authenticates trunk 'a' already "
		      "(line 5)",
		      "t.conf:15: inbound_auth: username 'alice' authenticates trunk 'a' already "
		      "(line 5)");
	conf_errors_clear(&errs);
	/* User names are case-sensitive (RFC 2617 §3.2.2 quoted-string): two users. */
	conf_free(load_ok("[trunk a]\nproxy = sip:127.0.0.1\nusername = alice\npassword = x\n"
			  "inbound_auth = yes\n"
			  "[trunk b]\nproxy = sip:127.0.0.1\nusername = Alice\npassword = y\n"
			  "inbound_auth = yes\n"));
}

Test(conf, err_auth_realm_and_lifetime)
{
	char text[300];

	expect_errors("[general]\nauth_realm =\nauth_nonce_lifetime = 4\n"
		      "[trunk t]\nproxy = sip:127.0.0.1\ninbound_auth = perhaps\n", 3,
		      "t.conf:2: auth_realm: must not be empty",
		      "t.conf:3: auth_nonce_lifetime: 4 is out of range (5..3600)",
		      "t.conf:6: inbound_auth: 'perhaps' is not a boolean (yes/no, true/false, "
		      "on/off, 1/0)");
	conf_errors_clear(&errs);
	expect_errors("[general]\nauth_realm = say \"hi\"\nauth_nonce_lifetime = 3601\n", 2,
		      "t.conf:2: auth_realm: 'say \"hi\"' may not hold '\"' or '\\'",
		      "t.conf:3: auth_nonce_lifetime: 3601 is out of range (5..3600)");
	conf_errors_clear(&errs);
	expect_error("[general]\nauth_realm = a\\b\n",
		     "t.conf:2: auth_realm: 'a\\b' may not hold '\"' or '\\'");
	conf_errors_clear(&errs);
	snprintf(text, sizeof(text), "[general]\nauth_realm = %0129d\n", 7);
	expect_error(text, "t.conf:2: auth_realm: longer than 128 characters");
}

/* A trunk's inbound_auth changes on reload (sip_trunk_update); our realm does not. */
Test(conf, inbound_auth_reloads_the_realm_needs_a_restart)
{
	struct conf *a = load_ok("[trunk t]\nproxy = sip:127.0.0.1\nusername = u\npassword = p\n");
	struct conf *b = load_ok("[general]\nauth_realm = r\nauth_nonce_lifetime = 60\n"
				 "[trunk t]\nproxy = sip:127.0.0.1\nusername = u\npassword = p\n"
				 "inbound_auth = yes\n");
	char buf[256];

	cr_assert_eq(conf_restart_needed(a, b, buf, sizeof(buf)), 2, "%s", buf);
	cr_assert_str_eq(buf, "[general] auth_realm\n[general] auth_nonce_lifetime\n");
	conf_free(a);
	conf_free(b);
}

Test(conf, inbound_auth_round_trip)
{
	round_trip("[general]\nauth_realm = gw.example.net\nauth_nonce_lifetime = 120\n"
		   "[trunk t]\nproxy = sip:127.0.0.1\nusername = u\npassword = p\ninbound_auth = yes\n");
}

/* ---- [group NAME]: PRI spans hunted as one ------------------------------------------- */

#define TWO_PRI "[span 2]\ntype = e1\nsignalling = pri_cpe\n" \
		"[span 4]\ntype = t1\nsignalling = pri_cpe\n"	/* lines 1-6 */

Test(conf, group_of_e1_and_t1)
{
	struct conf *c = load_ok(TWO_PRI "[span 5]\ntype = t1\nsignalling = fxs\n"
				 "[group pbx]\nspans = 2 ,4\nhunt = roundrobin\n"
				 "[group solo]\nspans = 9\n[span 9]\ntype = e1\nsignalling = pri_net\n"
				 "[route in]\nto = group pbx\n[route out]\nfrom = group pbx\n"
				 "to = group solo\n");
	const struct conf_group *g = conf_group_find(c, "pbx");

	cr_assert_eq(c->ngroups, 2);
	cr_assert_not_null(g);
	cr_assert_eq(g->line, 10);
	cr_assert_eq(g->spans.n, 2);
	cr_assert_eq(g->spans.span[0], 2);
	cr_assert_eq(g->spans.span[1], 4);
	cr_assert_eq(g->hunt, HUNT_ROUNDROBIN);
	cr_assert_eq(conf_span_group(c, 2), g);
	cr_assert_eq(conf_span_group(c, 4), g);
	cr_assert_null(conf_span_group(c, 5));
	g = conf_group_find(c, "solo");
	cr_assert_eq(g->hunt, HUNT_ASCENDING);	/* the default */
	cr_assert_eq(g->spans.n, 1);
	cr_assert_eq(conf_span_group(c, 9), g);
	cr_assert_null(conf_group_find(c, "nope"));
	cr_assert_eq(c->routes[0].to.kind, EP_GROUP);
	cr_assert_str_eq(c->routes[0].to.group, "pbx");
	cr_assert_eq(c->routes[1].from.kind, EP_GROUP);
	cr_assert_str_eq(c->routes[1].from.group, "pbx");
	cr_assert_str_eq(c->routes[1].to.group, "solo");
	conf_free(c);
}

Test(conf, err_group_span_not_defined)
{
	expect_error(TWO_PRI "[group g]\nspans = 2, 7, 4\n",
		     "t.conf:8: spans: span 7 is not defined");
}

Test(conf, err_group_span_not_pri)
{
	expect_errors(TWO_PRI "[span 5]\ntype = t1\nsignalling = fxs\n"
		      "[span 6]\ntype = t1\nsignalling = fxo\n"
		      "[group g]\nhunt = descending\nspans = 4, 5, 6\n", 2,
		      "t.conf:15: spans: span 5 is fxs: a group holds PRI spans only",
		      "t.conf:15: spans: span 6 is fxo: a group holds PRI spans only");
}

Test(conf, err_span_in_two_groups)
{
	/* One span, one hunt list: a span's channels cannot be hunted by two groups. */
	expect_error(TWO_PRI "[group a]\nspans = 2, 4\n\n[group b]\nspans = 4\n",
		     "t.conf:11: spans: span 4 is already in group 'a' (line 7)");
}

Test(conf, err_span_hunt_in_group)
{
	expect_error("[span 2]\ntype = e1\nsignalling = pri_cpe\nhunt = descending\n"
		     "[group pbx]\nspans = 2\nhunt = ascending\n",
		     "t.conf:4: hunt: span 2 is in group 'pbx' (line 5), whose hunt applies: "
		     "set it there");
}

Test(conf, err_bad_span_list)
{
	char text[512];
	int n = snprintf(text, sizeof(text), "[group h]\nspans = ");

	for (int i = 1; i <= 33; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%d", i > 1 ? "," : "", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	expect_error(text, "t.conf:2: spans: bad span list '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,"
		     "16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33': more than 32 spans");
	conf_errors_clear(&errs);
	expect_errors("[group a]\nspans = 2,,4\n[group b]\nspans = 2 4\n[group c]\nspans = 0\n"
		      "[group d]\nspans = 4, 2, 4\n[group e]\nspans = 256\n[group f]\nspans =\n"
		      "[group g]\nspans = 2-4\n", 7,
		      "t.conf:2: spans: bad span list '2,,4': expected span numbers in hunt order, "
		      "like 2, 4",
		      "t.conf:4: spans: bad span list '2 4': expected span numbers in hunt order, "
		      "like 2, 4",
		      "t.conf:6: spans: bad span list '0': a span number is 1..255",
		      "t.conf:8: spans: bad span list '4, 2, 4': span 4 listed twice",
		      "t.conf:10: spans: bad span list '256': a span number is 1..255",
		      "t.conf:12: spans: bad span list '': expected span numbers in hunt order, "
		      "like 2, 4",
		      "t.conf:14: spans: bad span list '2-4': expected span numbers in hunt order, "
		      "like 2, 4");
}

Test(conf, err_group_section_and_keys)
{
	expect_errors("[group]\n[group x y]\nspans = 1\n[group g]\nhunt = up\nchannels = 1\n"
		      "[group g]\nspans = 1\n", 6,
		      "t.conf:1: bad section name [group]: a group name is 1 to 31 characters of "
		      "A-Z a-z 0-9 _ -",
		      "t.conf:2: bad section name [group x y]: a group name is 1 to 31 characters "
		      "of A-Z a-z 0-9 _ -",
		      "t.conf:4: [group g]: missing required key 'spans'",
		      "t.conf:5: hunt: 'up' is not one of ascending, descending, roundrobin",
		      "t.conf:6: unknown key 'channels' in [group g]",
		      "t.conf:7: duplicate section [group g] (first on line 4)");
}

Test(conf, err_group_not_defined)
{
	expect_errors(TWO_PRI "[group pbx]\nspans = 2, 4\n"
		      "[route a]\nfrom = group pdx\nto = trunk t\n[trunk t]\nproxy = sip:127.0.0.4\n"
		      "[route b]\nto = group gone\n[route c]\nto = group a b\n", 3,
		      "t.conf:10: from: group 'pdx' is not defined",
		      "t.conf:15: to: group 'gone' is not defined",
		      "t.conf:17: to: 'group a b': a group name is 1 to 31 characters of "
		      "A-Z a-z 0-9 _ -");
}

Test(conf, print_group_and_its_spans)
{
	struct conf *c = load_ok(TWO_PRI "[span 3]\ntype = t1\nsignalling = pri_net\n"
				 "channels = 1-4\nhunt = descending\n"
				 "[group pbx]\nspans = 4, 2\nhunt = descending\n");
	char *text = print_to_string(c);

	/* The grouped spans take hunt from the group; a span outside keeps its own. */
	cr_assert(strstr(text, "[span 2]\n"), "%s", text);
	cr_assert(strstr(text, "overlap = no\n; hunt: from [group pbx]\ncountry_code =\n"
			       "national_prefix =\nechocancel = yes\necho" "cancel_taps = 128\n\n[span 4]"), "%s", text);
	cr_assert(strstr(text, "overlap = no\n; hunt: from [group pbx]\ncountry_code =\n"
			       "national_prefix =\nechocancel = yes\necho" "cancel_taps = 128\n\n[span 3]"), "%s", text);
	cr_assert(strstr(text, "overlap = no\nhunt = descending\ncountry_code =\n"
			       "national_prefix =\nechocancel = yes\necho" "cancel_taps = 128\n\n[group pbx]\nspans = 4, 2\n"
			       "hunt = descending\n"
			       "; B-channels: span 4 1-23 (t1 ulaw), span 2 1-15,17-31 (e1 alaw): "
			       "53 in all\n"
			       "; descending: the highest free channel of span 2 first, then span 4\n"
			       "; a span whose D-channel is down or in alarm is passed over\n"), "%s",
		  text);
	free(text);
	conf_free(c);
	round_trip(TWO_PRI "[group pbx]\nspans = 2, 4\nhunt = roundrobin\n"
		   "[route r]\nfrom = group pbx\nto = trunk t\n[trunk t]\nproxy = sip:127.0.0.4\n"
		   "[route s]\nfrom = trunk t\nto = group pbx\n");
	c = load_ok(TWO_PRI "[group a]\nspans = 2, 4\n[group r]\nspans = 9\nhunt = roundrobin\n"
		    "[span 9]\ntype = e1\nsignalling = pri_net\nchannels = 1-2\n");
	text = print_to_string(c);
	cr_assert(strstr(text, "; ascending: the lowest free channel of span 2 first, then span 4\n"),
		  "%s", text);
	cr_assert(strstr(text, "; B-channels: span 9 1-2 (e1 alaw): 2 in all\n"
			       "; roundrobin: each call takes the next free channel after the one "
			       "taken last, span 9 and around\n"), "%s", text);
	free(text);
	conf_free(c);
}

/* Groups reload (gateway/reload.c regroups the spans): changed, added or removed, they need
 * no restart while their spans run on as they are. */
Test(conf, groups_need_no_restart)
{
	struct conf *a = load_ok(TWO_PRI "[group pbx]\nspans = 2, 4\n"
				 "[group old]\nspans = 7\n[span 7]\ntype = e1\nsignalling = pri_net\n");
	struct conf *b = load_ok(TWO_PRI "[group pbx]\nspans = 4, 2\nhunt = roundrobin\n"
				 "[group new]\nspans = 7\n[span 7]\ntype = e1\nsignalling = pri_net\n");
	struct conf *c = load_ok(TWO_PRI "[group pbx]\nspans = 2, 4, 9\n[group old]\nspans = 7\n"
				 "[span 7]\ntype = e1\nsignalling = pri_net\n"
				 "[span 9]\ntype = e1\nsignalling = pri_cpe\n");
	char buf[256];

	cr_assert_eq(conf_restart_needed(a, b, buf, sizeof(buf)), 0, "%s", buf);
	/* span 9 is new: it waits for the restart, and so does the group that takes it */
	cr_assert_eq(conf_restart_needed(a, c, buf, sizeof(buf)), 2, "%s", buf);
	cr_assert_str_eq(buf, "[span 9] added\n[group pbx] waits for span 9\n");
	conf_free(a);
	conf_free(b);
	conf_free(c);
}

/* ---- the control socket ([general] control_socket, control_mode) --------------------- */

Test(conf, control_socket_defaults_and_values)
{
	struct conf *c = load_ok("");

	cr_expect_str_eq(c->general.control_socket, "/run/strowger/control");
	cr_expect_str_eq(c->general.control_mode, "0660");
	conf_free(c);
	c = load_ok("[general]\ncontrol_socket = /tmp/s/ctl\ncontrol_mode = 600\n");
	cr_expect_str_eq(c->general.control_socket, "/tmp/s/ctl");
	cr_expect_str_eq(c->general.control_mode, "600");
	conf_free(c);
}

Test(conf, control_socket_bad_values)
{
	char text[300];

	expect_errors("[general]\ncontrol_socket = run/ctl\ncontrol_mode = 0868\n", 2,
		      "t.conf:2: control_socket: 'run/ctl': need an absolute path",
		      "t.conf:3: control_mode: '0868': need permissions in octal, 0000..0777 (e.g. 0660)");
	conf_errors_clear(&errs);
	expect_error("[general]\ncontrol_mode = 01777\n",
		     "t.conf:2: control_mode: '01777': need permissions in octal, 0000..0777 (e.g. 0660)");
	conf_errors_clear(&errs);
	snprintf(text, sizeof(text), "[general]\ncontrol_socket = /%0120d\n", 0);
	expect_error(text, "t.conf:2: control_socket: longer than 107 bytes (a Unix socket path)");
}

/* ---- analog ports ------------------------------------------------------------------------ */

Test(conf, ports_ranges_defaults_and_routes)
{
	struct conf *c = load_ok("[span 5]\ntype = t1\nsignalling = fxs\n"
				 "[span 7]\ntype = t1\nsignalling = fxo\nchannels = 1-4\n"
				 "[trunk peer]\nproxy = sip:127.0.0.1\n"
				 "[port 5:1-8]\nnumber = 2001\ncaller_id_name = Desk\n"
				 "dial_plan = 555XXXX|0.\ncaller_id = v23\n"
				 "[port 5:12]\n"
				 "[port 7:1-4]\nnumber = 3001\nto = trunk peer\n"
				 "[route a]\nfrom = trunk peer\nmatch = 200\nto = port 5\n"
				 "[route b]\nfrom = trunk peer\nmatch = 9\nto = port 7:2\n");

	cr_assert_eq(c->nports, 3);
	cr_assert_eq(c->ports[0].span, 5);
	cr_assert_eq(c->ports[0].chans, 0x1feu);	/* positions 1..8 */
	cr_assert_str_eq(c->ports[0].list, "1-8");
	cr_assert_str_eq(c->ports[0].number, "2001");
	cr_assert_str_eq(c->ports[0].caller_id_name, "Desk");
	cr_assert_eq(c->ports[0].caller_id, CID_V23);
	cr_assert_str_eq(c->ports[1].tone_zone, "us");		/* defaults */
	cr_assert_eq(c->ports[1].caller_id, CID_BELL202);
	cr_assert_eq(c->ports[1].ring_timeout, 60);
	cr_assert_eq(c->ports[1].to.kind, EP_ANY);		/* "none" */
	cr_assert_eq(c->ports[2].to.kind, EP_TRUNK);
	cr_assert_eq(c->routes[0].to.kind, EP_PORT);
	cr_assert_eq(c->routes[0].to.span, 5);
	cr_assert_eq(c->routes[0].to.pos, 0);
	cr_assert_eq(c->routes[1].to.pos, 2);
	cr_assert_eq(conf_port_find(c, 5, 12), &c->ports[1]);
	cr_assert_eq(conf_port_find(c, 7, 4), &c->ports[2]);
	cr_assert_null(conf_port_find(c, 5, 9));

	/* printed and read back: the same ports and routes */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	conf_print(c, f);
	fclose(f);
	struct conf *back = load_ok(text);
	cr_assert_eq(back->nports, 3);
	cr_assert_eq(back->ports[2].chans, c->ports[2].chans);
	cr_assert_str_eq(back->ports[0].dial_plan, "555XXXX|0.");
	cr_assert_eq(back->routes[1].to.kind, EP_PORT);
	cr_assert_eq(back->routes[1].to.pos, 2);
	char diff[256];
	cr_assert_eq(conf_restart_needed(c, back, diff, sizeof(diff)), 0, "%s", diff);
	free(text);
	conf_free(back);
	conf_free(c);
}

Test(conf, err_ports)
{
	expect_errors("[span 5]\ntype = t1\nsignalling = fxs\n"
		      "[span 2]\ntype = e1\nsignalling = pri_cpe\n"
		      "[port 5:x]\n"
		      "[port 2:1]\n"
		      "[port 5:1-4]\n"
		      "[port 5:4-6]\ntone_zone = US\n"
		      "[port 9:1]\n"
		      "[trunk t]\nproxy = sip:127.0.0.1\n"
		      "[route r]\nfrom = port 5:1\nto = trunk t\n"
		      "[route s]\nto = port 2:1\n", 7,
		      "t.conf:7: bad section name [port 5:x]: expected [port N:LIST], span N and its "
		      "positions (\"5:1-8\", \"5:3\")",
		      "t.conf:8: [port 2:1]: span 2 is not an fxs or fxo span",
		      "t.conf:10: [port 5:4-6]: a position is already in [port 5:1-4] (line 9)",
		      "t.conf:11: tone_zone: 'US' is not a tone zone (us, de, uk, fr, ...)",
		      "t.conf:12: [port 9:1]: span 9 is not defined",
		      "t.conf:16: from: 'port 5:1' is not any, span N, group NAME or trunk NAME",
		      "t.conf:18: [route s]: to: span 2 is not an fxs or fxo span");
}

/* [port] register/username/password: an FXS range registering as its own users at a
 * trunk; the trunk must exist, only FXS ports register, a range's username needs trailing
 * digits to count up. */
Test(conf, ports_register)
{
	struct conf *c = load_ok("[span 5]\ntype = t1\nsignalling = fxs\n"
				 "[trunk pbx]\nproxy = sip:127.0.0.1\n"
				 "[port 5:1-8]\nnumber = 2001\nregister = trunk pbx\n"
				 "username = line01\npassword = s3cret\nmwi = subscribe\n"
				 "[port 5:9]\nnumber = 2009\n");

	cr_assert_eq(c->ports[0].reg.kind, EP_TRUNK);
	cr_assert_str_eq(c->ports[0].reg.trunk, "pbx");
	cr_assert_str_eq(c->ports[0].username, "line01");
	cr_assert_str_eq(c->ports[0].password, "s3cret");
	cr_assert_eq(c->ports[0].mwi, MWI_SUBSCRIBE);
	cr_assert_eq(c->ports[1].reg.kind, EP_ANY, "default: share the trunk");
	cr_assert_eq(c->ports[1].mwi, MWI_NOTIFY);
	conf_free(c);

	expect_errors("[span 5]\ntype = t1\nsignalling = fxs\n"
		      "[span 7]\ntype = t1\nsignalling = fxo\nchannels = 1-4\n"
		      "[trunk pbx]\nproxy = sip:127.0.0.1\n"
		      "[port 5:1]\nnumber = 1\nregister = trunk nope\n"
		      "[port 5:2-3]\nregister = trunk pbx\nusername = desk\n"
		      "[port 7:1]\nnumber = 3\nregister = trunk pbx\n"
		      "[port 5:4]\nusername = a@b\n"
		      "[port 5:5]\nmwi = subscribe\n", 5,
		      "t.conf:10: [port 5:1]: register: trunk 'nope' is not defined",
		      "t.conf:13: [port 5:2-3]: username: a range's users count up its trailing "
		      "digits, 'desk' has none",
		      "t.conf:16: [port 7:1]: register: only FXS ports register",
		      "t.conf:20: username: 'a@b': '@' is not allowed in a SIP user part",
		      "t.conf:21: [port 5:5]: mwi = subscribe: needs register = trunk NAME");
}

/* The flash limits: flash_max_ms only, above DAHDI's fixed 200 ms pulse limit (a shorter
 * on-hook is a dial pulse, tdm/analog.h); there is no flash_min_ms to set. */
Test(conf, port_flash_limits)
{
	struct conf *c = load_ok("[span 5]\ntype = t1\nsignalling = fxs\n"
				 "[port 5:1]\nflash_max_ms = 250\n[port 5:2]\n");

	cr_assert_eq(c->ports[0].flash_max_ms, 250);
	cr_assert_eq(c->ports[1].flash_max_ms, 800, "default");
	conf_free(c);

	expect_errors("[span 5]\ntype = t1\nsignalling = fxs\n"
		      "[port 5:1]\nflash_max_ms = 200\n[port 5:2]\nflash_min_ms = 80\n", 2,
		      "t.conf:5: flash_max_ms: 200 is out of range (250..3000)",
		      "t.conf:7: unknown key 'flash_min_ms' in [port 5:2] (did you mean "
		      "'flash_max_ms'?)");
}
