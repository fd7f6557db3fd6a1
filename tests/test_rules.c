/* test_rules.c: the declarative rule engine (docs/rules.md). Every expected
 * body is written out by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rules.h"
#include "t.h"
#include "yaml.h"

enum phase { REQ, UP, RESP };

/* Compile a "rules:" value written as its own YAML document. */
static struct rules *compile(const char *y, char *err, size_t errlen)
{
	struct yaml_node *root;
	struct yaml_error ye;
	struct rules *r = NULL;
	if (yaml_parse(y, strlen(y), &root, &ye)) {
		snprintf(err, errlen, "yaml %d:%d: %s", ye.line, ye.col, ye.msg);
		return NULL;
	}
	if (rules_compile(root, "m.yaml", &r, err, errlen))
		r = NULL;
	yaml_free(root);
	return r;
}

static int run(const struct rules *r, enum phase ph, const char *body, struct buf *o, char *err, size_t errlen)
{
	struct str b = str_cstr(body);
	if (ph == REQ)
		return rules_apply_request(r, b, o, err, errlen);
	if (ph == UP)
		return rules_apply_upstream(r, b, o, err, errlen);
	return rules_apply_response(r, b, o, err, errlen);
}

/* Apply the rules y to body; want NULL means "unchanged" (0, out empty). */
static void expect_ph(int line, const char *y, enum phase ph, const char *body, const char *want)
{
	char err[256] = "";
	struct rules *r = compile(y, err, sizeof(err));
	struct buf o;
	CHECK(r != NULL, "line %d: compile: %s", line, err);
	if (!r)
		return;
	buf_init(&o, 1 << 20);
	int rc = run(r, ph, body, &o, err, sizeof(err));
	if (!want) {
		CHECK(rc == 0, "line %d: rc %d (%s), out %.*s", line, rc, err, (int)buf_len(&o), buf_data(&o));
		CHECK(buf_len(&o) == 0, "line %d: out touched: %.*s", line, (int)buf_len(&o), buf_data(&o));
	} else {
		CHECK(rc == 1, "line %d: rc %d (%s)", line, rc, err);
		CHECK(str_eq(buf_str(&o), want), "line %d:\n got  %.*s\n want %s", line, (int)buf_len(&o),
		      buf_data(&o), want);
		CHECK(json_validate(buf_data(&o), buf_len(&o), NULL) == 0, "line %d: invalid JSON out", line);
	}
	buf_free(&o);
	rules_free(r);
}

#define EXPECT(y, body, want) expect_ph(__LINE__, (y), REQ, (body), (want))
#define EXPECT_PH(y, ph, body, want) expect_ph(__LINE__, (y), (ph), (body), (want))

/* Compilation must fail with exactly this message. */
static void expect_err(int line, const char *y, const char *want)
{
	char err[256] = "";
	struct rules *r = compile(y, err, sizeof(err));
	CHECK(r == NULL, "line %d: compiled", line);
	CHECK(strcmp(err, want) == 0, "line %d:\n got  %s\n want %s", line, err, want);
	rules_free(r);
}

#define EXPECT_ERR(y, want) expect_err(__LINE__, (y), (want))

static const char ANTH[] =
	"{\"model\":\"deepseek-chat\",\"max_tokens\":100,"
	"\"tools\":[{\"name\":\"Read\",\"input_schema\":{}},{\"name\":\"WebSearch\",\"input_schema\":{}},"
	"{\"name\":\"NotebookEdit\",\"input_schema\":{}},{\"name\":\"Bash\",\"input_schema\":{},"
	"\"cache_control\":{\"type\":\"ephemeral\"}}],"
	"\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

static const char OAI[] =
	"{\"model\":\"gpt\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"WebSearch\"}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"Read\"}}],"
	"\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"WebSearch\"}},"
	"\"parallel_tool_calls\":true,\"messages\":[]}";

int main(void)
{
	/* ---- set ---------------------------------------------------------------- */
	CASE("set replaces a value") {
		EXPECT("request:\n  - set: {path: /temperature, value: 0.3}\n",
		       "{\"model\":\"m\",\"temperature\":1,\"x\":2}", "{\"model\":\"m\",\"temperature\":0.3,\"x\":2}");
	}
	CASE("set adds a missing member at the end") {
		EXPECT("request:\n  - set: {path: /temperature, value: 0.3}\n", "{\"model\":\"m\"}",
		       "{\"model\":\"m\",\"temperature\":0.3}");
		EXPECT("request:\n  - set: {path: /a, value: 1}\n", "{}", "{\"a\":1}");
	}
	CASE("set creates intermediate objects") {
		EXPECT("request:\n  - set: {path: /metadata/user_id, value: \"team-a\"}\n", "{\"model\":\"m\"}",
		       "{\"model\":\"m\",\"metadata\":{\"user_id\":\"team-a\"}}");
		EXPECT("request:\n  - set: {path: /a/b/c, value: 1}\n", "{\"a\":{\"x\":0}}",
		       "{\"a\":{\"x\":0,\"b\":{\"c\":1}}}");
	}
	CASE("set fills a null intermediate") {
		EXPECT("request:\n  - set: {path: /metadata/user_id, value: u}\n", "{\"metadata\":null}",
		       "{\"metadata\":{\"user_id\":\"u\"}}");
	}
	CASE("set through a scalar does nothing") {
		EXPECT("request:\n  - set: {path: /model/x, value: 1}\n", "{\"model\":\"m\"}", NULL);
		EXPECT("request:\n  - set: {path: /a/0/x, value: 1}\n", "{\"a\":[1]}", NULL);
	}
	CASE("set with the same bytes is no change") {
		EXPECT("request:\n  - set: {path: /temperature, value: 0.3}\n", "{\"temperature\": 0.3}", NULL);
	}
	CASE("set values: YAML to JSON") {
		EXPECT("request:\n"
		       "  - set: {path: /a, value: [x, 1, -2.5e3, true, FALSE, null, ~, \"2\", 'y', yes, 0x10, 007]}\n",
		       "{}", "{\"a\":[\"x\",1,-2.5e3,true,false,null,null,\"2\",\"y\",\"yes\",\"0x10\",\"007\"]}");
		EXPECT("request:\n"
		       "  - set:\n"
		       "      path: /thinking\n"
		       "      value:\n"
		       "        type: enabled\n"
		       "        budget_tokens: 1024\n"
		       "        tags: {\"k\\\"q\": \"caf\\u00e9\\n\"}\n",
		       "{\"model\":\"m\"}",
		       "{\"model\":\"m\",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024,"
		       "\"tags\":{\"k\\\"q\":\"caf\xc3\xa9\\n\"}}}");
		EXPECT("request:\n  - set: {path: /a, value: }\n", "{\"a\":1}", "{\"a\":null}");
		EXPECT("request:\n  - set: {path: /a, value: {}}\n", "{\"a\":1}", "{\"a\":{}}");
	}
	CASE("set replaces an array element by index") {
		EXPECT("request:\n  - set: {path: /messages/1/content, value: x}\n",
		       "{\"messages\":[{\"content\":\"a\"},{\"content\":\"b\"},{\"content\":\"c\"}]}",
		       "{\"messages\":[{\"content\":\"a\"},{\"content\":\"x\"},{\"content\":\"c\"}]}");
		EXPECT("request:\n  - set: {path: /stop/0, value: END}\n", "{\"stop\":[\"a\",\"b\"]}",
		       "{\"stop\":[\"END\",\"b\"]}");
	}
	CASE("set with - appends to an array") {
		EXPECT("request:\n  - set: {path: /stop/-, value: END}\n", "{\"stop\":[\"a\"]}",
		       "{\"stop\":[\"a\",\"END\"]}");
		EXPECT("request:\n  - set: {path: /stop/-, value: END}\n", "{\"stop\":[]}", "{\"stop\":[\"END\"]}");
		EXPECT("request:\n  - set: {path: /tools/-/name, value: T}\n", "{\"tools\":[{\"name\":\"A\"}]}",
		       "{\"tools\":[{\"name\":\"A\"},{\"name\":\"T\"}]}");
	}
	CASE("set past the end of an array does nothing") {
		EXPECT("request:\n  - set: {path: /stop/2, value: x}\n", "{\"stop\":[\"a\",\"b\"]}", NULL);
		EXPECT("request:\n  - set: {path: /stop/01, value: x}\n", "{\"stop\":[\"a\",\"b\"]}", NULL);
	}
	CASE("set on a missing array path creates objects, not arrays") {
		EXPECT("request:\n  - set: {path: /stop/0, value: x}\n", "{}", "{\"stop\":{\"0\":\"x\"}}");
	}

	/* ---- set_if_absent ------------------------------------------------------- */
	CASE("set_if_absent adds a missing member") {
		EXPECT("request:\n  - set_if_absent: {path: /max_tokens, value: 4096}\n", "{\"model\":\"m\"}",
		       "{\"model\":\"m\",\"max_tokens\":4096}");
		EXPECT("request:\n  - set_if_absent: {path: /metadata/user_id, value: u}\n", "{\"metadata\":{}}",
		       "{\"metadata\":{\"user_id\":\"u\"}}");
	}
	CASE("set_if_absent keeps a present member") {
		EXPECT("request:\n  - set_if_absent: {path: /max_tokens, value: 4096}\n", "{\"max_tokens\":10}", NULL);
		EXPECT("request:\n  - set_if_absent: {path: /max_tokens, value: 4096}\n", "{\"max_tokens\":null}", NULL);
	}
	CASE("set_if_absent on every element") {
		EXPECT("request:\n  - set_if_absent: {path: /tools/*/type, value: custom}\n",
		       "{\"tools\":[{\"name\":\"a\"},{\"name\":\"b\",\"type\":\"x\"}]}",
		       "{\"tools\":[{\"name\":\"a\",\"type\":\"custom\"},{\"name\":\"b\",\"type\":\"x\"}]}");
	}

	/* ---- delete -------------------------------------------------------------- */
	CASE("delete a member: first, middle, last, only") {
		EXPECT("request:\n  - delete: /a\n", "{\"a\":1,\"b\":2,\"c\":3}", "{\"b\":2,\"c\":3}");
		EXPECT("request:\n  - delete: /b\n", "{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":1,\"c\":3}");
		EXPECT("request:\n  - delete: /c\n", "{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":1,\"b\":2}");
		EXPECT("request:\n  - delete: /a\n", "{\"a\":1}", "{}");
	}
	CASE("delete of a missing path is a no-op") {
		EXPECT("request:\n  - delete: /top_k\n", "{\"model\":\"m\"}", NULL);
		EXPECT("request:\n  - delete: /metadata/user_id\n", "{ \"model\" : \"m\" , \"metadata\" : { } }", NULL);
		EXPECT("request:\n  - delete: /messages/5\n", "{\"messages\":[1]}", NULL);
	}
	CASE("delete a list of paths") {
		EXPECT("request:\n  - delete: [/top_k, .top_p]\n", "{\"top_k\":1,\"model\":\"m\",\"top_p\":0.9}",
		       "{\"model\":\"m\"}");
		EXPECT("request:\n  - delete:\n      - /top_k\n      - /top_p\n", "{\"top_k\":1,\"top_p\":2}", "{}");
	}
	CASE("delete array elements: indices shift like one rule after another") {
		EXPECT("request:\n  - delete: /a/0\n  - delete: /a/0\n", "{\"a\":[1,2,3]}", "{\"a\":[3]}");
		EXPECT("request:\n  - delete: /a/1\n", "{\"a\":[1,2,3]}", "{\"a\":[1,3]}");
	}
	CASE("delete keeps untouched subtrees byte for byte") {
		EXPECT("request:\n  - delete: /b/c\n",
		       "{ \"a\" : [ 1, 2 ] , \"b\" : { \"c\" : 1 , \"d\" : { \"e\" : \"caf\\u00e9\" } } }",
		       "{\"a\":[ 1, 2 ],\"b\":{\"d\":{ \"e\" : \"caf\\u00e9\" }}}");
	}

	/* ---- drop_tools ----------------------------------------------------------- */
	CASE("drop_tools default, Anthropic shape") {
		EXPECT("drop_tools: default\n", ANTH,
		       "{\"model\":\"deepseek-chat\",\"max_tokens\":100,"
		       "\"tools\":[{\"name\":\"Read\",\"input_schema\":{}},{\"name\":\"Bash\",\"input_schema\":{},"
		       "\"cache_control\":{\"type\":\"ephemeral\"}}],"
		       "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
	}
	CASE("drop_tools list, OpenAI shape, tool_choice naming a dropped tool") {
		EXPECT("drop_tools: [WebSearch, NotebookRead]\n", OAI,
		       "{\"model\":\"gpt\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"Read\"}}],"
		       "\"parallel_tool_calls\":true,\"messages\":[]}");
	}
	CASE("drop_tools keeps a tool_choice naming a kept tool") {
		EXPECT("drop_tools: [WebSearch]\n",
		       "{\"tools\":[{\"name\":\"WebSearch\"},{\"name\":\"Read\"}],\"tool_choice\":{\"type\":\"tool\","
		       "\"name\":\"Read\"}}",
		       "{\"tools\":[{\"name\":\"Read\"}],\"tool_choice\":{\"type\":\"tool\",\"name\":\"Read\"}}");
		EXPECT("drop_tools: [WebSearch]\n",
		       "{\"tools\":[{\"name\":\"WebSearch\"},{\"name\":\"Read\"}],\"tool_choice\":\"auto\"}",
		       "{\"tools\":[{\"name\":\"Read\"}],\"tool_choice\":\"auto\"}");
	}
	CASE("drop_tools removing every tool removes tools and tool_choice") {
		EXPECT("drop_tools: default\n", "{\"tool_choice\":{\"type\":\"auto\"},\"tools\":[{\"name\":\"WebSearch\"}],"
		       "\"parallel_tool_calls\":false,\"model\":\"m\"}", "{\"model\":\"m\"}");
	}
	CASE("drop_tools: one name, escaped names, default among names") {
		EXPECT("drop_tools: Bash\n", "{\"tools\":[{\"name\":\"B\\u0061sh\"},{\"name\":\"Read\"}]}",
		       "{\"tools\":[{\"name\":\"Read\"}]}");
		EXPECT("drop_tools: [default, Bash]\n", ANTH,
		       "{\"model\":\"deepseek-chat\",\"max_tokens\":100,"
		       "\"tools\":[{\"name\":\"Read\",\"input_schema\":{}}],"
		       "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
		EXPECT("drop_tools: ['default']\n", "{\"tools\":[{\"name\":\"default\"},{\"name\":\"WebSearch\"}]}",
		       "{\"tools\":[{\"name\":\"WebSearch\"}]}");
	}
	CASE("drop_tools with nothing to drop is no change") {
		EXPECT("drop_tools: default\n", "{\"tools\":[{\"name\":\"Read\"}],\"tool_choice\":{\"type\":\"any\"}}", NULL);
		EXPECT("drop_tools: default\n", "{\"model\":\"m\"}", NULL);
		EXPECT("drop_tools: default\n", "[{\"name\":\"WebSearch\"}]", NULL);
	}
	CASE("drop_tools runs before the request rules") {
		EXPECT("drop_tools: default\nrequest:\n  - delete: /tools/0\n  - set: {path: /tools/-, value: {name: X}}\n",
		       "{\"tools\":[{\"name\":\"WebSearch\"},{\"name\":\"A\"},{\"name\":\"B\"}]}",
		       "{\"tools\":[{\"name\":\"B\"},{\"name\":\"X\"}]}");
		EXPECT("drop_tools: default\nrequest:\n  - set_if_absent: {path: /tools, value: []}\n",
		       "{\"tools\":[{\"name\":\"WebSearch\"}]}", "{\"tools\":[]}");
	}
	CASE("drop_tools is a request rule only") {
		EXPECT_PH("drop_tools: default\n", RESP, "{\"tools\":[{\"name\":\"WebSearch\"}]}", NULL);
		EXPECT_PH("drop_tools: default\n", UP, "{\"tools\":[{\"name\":\"WebSearch\"}]}", NULL);
	}

	/* ---- paths -------------------------------------------------------------- */
	CASE("JSON Pointer escapes ~0 and ~1") {
		EXPECT("request:\n  - delete: /a~1b\n  - set: {path: /m~0n/~01, value: 1}\n",
		       "{\"a/b\":1,\"m~n\":{},\"c\":2}", "{\"m~n\":{\"~1\":1},\"c\":2}");
	}
	CASE("dotted paths") {
		EXPECT("request:\n  - set: {path: .metadata.user_id, value: u}\n  - delete: .messages.0\n",
		       "{\"messages\":[1,2]}", "{\"messages\":[2],\"metadata\":{\"user_id\":\"u\"}}");
	}
	CASE("a digit part names a member of an object") {
		EXPECT("request:\n  - set: {path: /o/0, value: x}\n", "{\"o\":{\"1\":1}}", "{\"o\":{\"1\":1,\"0\":\"x\"}}");
	}
	CASE("the empty key") {
		EXPECT("request:\n  - set: {path: /, value: 1}\n", "{\"a\":0}", "{\"a\":0,\"\":1}");
	}
	CASE("keys written with escapes in the body still match") {
		EXPECT("request:\n  - delete: /top_k\n", "{\"top\\u005fk\":1,\"a\":2}", "{\"a\":2}");
	}
	CASE("new keys are escaped") {
		EXPECT("request:\n  - set: {path: \"/q\\\"\\u00e9\", value: 1}\n", "{}", "{\"q\\\"\xc3\xa9\":1}");
	}
	CASE("wildcard over array elements") {
		EXPECT("request:\n  - delete: /tools/*/cache_control\n", ANTH,
		       "{\"model\":\"deepseek-chat\",\"max_tokens\":100,"
		       "\"tools\":[{\"name\":\"Read\",\"input_schema\":{}},{\"name\":\"WebSearch\",\"input_schema\":{}},"
		       "{\"name\":\"NotebookEdit\",\"input_schema\":{}},{\"name\":\"Bash\",\"input_schema\":{}}],"
		       "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
		EXPECT("request:\n  - delete: /a/*\n", "{\"a\":[1,2,3],\"b\":1}", "{\"a\":[],\"b\":1}");
	}
	CASE("wildcard over object members") {
		EXPECT("request:\n  - set: {path: /m/*/x, value: 1}\n", "{\"m\":{\"a\":{},\"b\":{\"x\":0},\"c\":5}}",
		       "{\"m\":{\"a\":{\"x\":1},\"b\":{\"x\":1},\"c\":5}}");
		EXPECT("request:\n  - delete: /metadata/*\n", "{\"metadata\":{\"a\":1,\"b\":2}}", "{\"metadata\":{}}");
	}
	CASE("nested wildcards (OpenAI shape)") {
		EXPECT("request:\n  - delete: /messages/*/content/*/cache_control\n",
		       "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":["
		       "{\"type\":\"text\",\"text\":\"a\",\"cache_control\":{\"type\":\"ephemeral\"}},"
		       "{\"type\":\"text\",\"text\":\"b\"}]}]}",
		       "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":["
		       "{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}]}");
	}
	CASE("a wildcard matches only what exists") {
		EXPECT("request:\n  - set: {path: /tools/*/x, value: 1}\n", "{\"model\":\"m\"}", NULL);
		EXPECT("request:\n  - set: {path: /tools/*/x, value: 1}\n", "{\"tools\":[]}", NULL);
		EXPECT("request:\n  - set: {path: /a/*, value: 1}\n", "{\"a\":{}}", NULL);
	}
	CASE("rules run in order: later rules see earlier results") {
		EXPECT("request:\n  - set: {path: /a/x, value: 1}\n  - delete: /a/*\n", "{}", "{\"a\":{}}");
		EXPECT("request:\n  - delete: /a/*\n  - set: {path: /a/x, value: 1}\n", "{\"a\":{\"y\":2}}",
		       "{\"a\":{\"x\":1}}");
		EXPECT("request:\n  - set: {path: /a, value: {b: 1}}\n  - set: {path: /a/c, value: 2}\n",
		       "{\"a\":5}", "{\"a\":{\"b\":1,\"c\":2}}");
		EXPECT("request:\n  - delete: /a\n  - set: {path: /a/b, value: 1}\n", "{\"a\":{\"x\":1},\"z\":0}",
		       "{\"z\":0,\"a\":{\"b\":1}}");
		EXPECT("request:\n  - set: {path: /a/-, value: {}}\n  - set: {path: /a/*/n, value: 1}\n", "{\"a\":[{}]}",
		       "{\"a\":[{\"n\":1},{\"n\":1}]}");
		EXPECT("request:\n  - set: {path: /a/*/n, value: 1}\n  - set: {path: /a/-, value: {}}\n", "{\"a\":[{}]}",
		       "{\"a\":[{\"n\":1},{}]}");
		EXPECT("request:\n  - delete: /a/*\n  - set: {path: /a/-, value: 9}\n", "{\"a\":[1,2]}", "{\"a\":[9]}");
		EXPECT("request:\n  - set: {path: /a/-/*/k, value: 1}\n  - set: {path: /a/1, value: 9}\n", "{\"a\":[0]}", NULL);
		EXPECT("request:\n  - set: {path: /x, value: 1}\n  - delete: /x\n", "{\"y\":0}", NULL);
		EXPECT("request:\n  - set: {path: /a/1, value: 9}\n  - delete: /a/0\n  - set: {path: /a/0/k, value: 1}\n",
		       "{\"a\":[{},{}]}", "{\"a\":[9]}");
	}
	CASE("member order is that of running the rules one by one") {
		/* replaced in place; created (or deleted and created again) at the end, in creation order */
		EXPECT("request:\n  - set: {path: /b, value: 1}\n  - set: {path: /a, value: 2}\n  - set: {path: /z, value: 3}\n",
		       "{\"z\":0}", "{\"z\":3,\"b\":1,\"a\":2}");
		EXPECT("request:\n  - set: {path: /x/p, value: 1}\n  - set: {path: /y, value: 2}\n  - delete: /x\n"
		       "  - set: {path: /x, value: 3}\n",
		       "{}", "{\"y\":2,\"x\":3}");
		EXPECT("request:\n  - set: {path: /a/*/k, value: 1}\n  - set: {path: /t, value: 2}\n"
		       "  - set: {path: /a/-, value: 3}\n",
		       "{}", "{\"t\":2,\"a\":{\"-\":3}}");
		EXPECT("drop_tools: default\nrequest:\n  - set_if_absent: {path: /tools, value: []}\n",
		       "{\"tools\":[{\"name\":\"WebSearch\"}],\"model\":\"m\"}", "{\"model\":\"m\",\"tools\":[]}");
	}
	CASE("a top-level array body") {
		EXPECT_PH("response:\n  - set: {path: /0/x, value: 1}\n", RESP, "[{},2]", "[{\"x\":1},2]");
	}
	CASE("duplicate keys: each copy is rewritten") {
		EXPECT("request:\n  - set: {path: /a, value: 1}\n", "{\"a\":0,\"a\":2}", "{\"a\":1,\"a\":1}");
		EXPECT("request:\n  - delete: /a\n", "{\"a\":0,\"b\":1,\"a\":2}", "{\"b\":1}");
	}

	/* ---- phases ------------------------------------------------------------- */
	CASE("response rules") {
		EXPECT_PH("response:\n  - delete: /usage/server_tool_use\n  - set: {path: /x_proxy, value: true}\n", RESP,
		          "{\"id\":\"msg_1\",\"content\":[],\"usage\":{\"input_tokens\":1,\"server_tool_use\":"
		          "{\"web_search_requests\":1}}}",
		          "{\"id\":\"msg_1\",\"content\":[],\"usage\":{\"input_tokens\":1},\"x_proxy\":true}");
		EXPECT_PH("response:\n  - delete: /usage\n", REQ, "{\"usage\":1}", NULL);
	}
	CASE("upstream rules") {
		EXPECT_PH("upstream:\n  - delete: /stream_options\n  - set: {path: /max_completion_tokens, value: 10}\n",
		          UP, "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
		          "{\"model\":\"m\",\"stream\":true,\"max_completion_tokens\":10}");
		EXPECT_PH("upstream:\n  - delete: /stream_options\n", REQ, "{\"stream_options\":{}}", NULL);
	}
	CASE("a models.yaml entry with every rule kind") {
		static const char y[] =
			"- model_id: deepseek-chat\n"
			"  api_base: https://api.deepseek.com/v1\n"
			"  rules:\n"
			"    drop_tools: [WebSearch, NotebookEdit, NotebookRead]\n"
			"    request:\n"
			"      - set: {path: /temperature, value: 0.3}\n"
			"      - set: {path: /metadata/user_id, value: \"team-a\"}\n"
			"      - delete: /top_k\n"
			"      - delete: /tools/*/cache_control      # every tool\n"
			"      - set_if_absent: {path: /max_tokens, value: 4096}\n"
			"    response:\n"
			"      - delete: /usage/server_tool_use\n"
			"      - set: {path: /x_proxy, value: true}\n";
		struct yaml_node *root;
		struct yaml_error ye;
		struct rules *r = NULL;
		char err[256] = "";
		struct buf o;
		CHECK(yaml_parse(y, sizeof(y) - 1, &root, &ye) == 0, "%s", ye.msg);
		CHECK(rules_compile(yaml_get(root->child, "rules"), "m.yaml", &r, err, sizeof(err)) == 0, "%s", err);
		yaml_free(root);
		buf_init(&o, 1 << 16);
		CHECK(rules_apply_request(r, str_cstr(ANTH), &o, err, sizeof(err)) == 1, "%s", err);
		CHECK(str_eq(buf_str(&o),
		             "{\"model\":\"deepseek-chat\",\"max_tokens\":100,"
		             "\"tools\":[{\"name\":\"Read\",\"input_schema\":{}},{\"name\":\"Bash\",\"input_schema\":{}}],"
		             "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
		             "\"temperature\":0.3,\"metadata\":{\"user_id\":\"team-a\"}}"),
		      "%.*s", (int)buf_len(&o), buf_data(&o));
		buf_reset(&o);
		CHECK(rules_apply_request(r, str_cstr(OAI), &o, err, sizeof(err)) == 1, "%s", err);
		CHECK(str_eq(buf_str(&o),
		             "{\"model\":\"gpt\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"Read\"}}],"
		             "\"parallel_tool_calls\":true,\"messages\":[],"
		             "\"temperature\":0.3,\"metadata\":{\"user_id\":\"team-a\"},\"max_tokens\":4096}"),
		      "%.*s", (int)buf_len(&o), buf_data(&o));
		CHECK(!rules_request_empty(r) && rules_upstream_empty(r) && !rules_response_empty(r), "empty flags");
		buf_free(&o);
		rules_free(r);
	}

	/* ---- the contract -------------------------------------------------------- */
	CASE("out is appended to; unchanged leaves it alone") {
		char err[128] = "";
		struct rules *r = compile("request:\n  - delete: /a\n", err, sizeof(err));
		struct buf o;
		buf_init(&o, 1 << 10);
		(void)buf_puts(&o, "pre:");
		CHECK(rules_apply_request(r, str_cstr("{\"b\":1}"), &o, err, sizeof(err)) == 0, "rc");
		CHECK(str_eq(buf_str(&o), "pre:"), "%.*s", (int)buf_len(&o), buf_data(&o));
		CHECK(rules_apply_request(r, str_cstr("{\"a\":1,\"b\":1}"), &o, err, sizeof(err)) == 1, "rc");
		CHECK(str_eq(buf_str(&o), "pre:{\"b\":1}"), "%.*s", (int)buf_len(&o), buf_data(&o));
		buf_free(&o);
		rules_free(r);
	}
	CASE("errors: bad body, output cap; out untouched") {
		char err[128] = "";
		struct rules *r = compile("request:\n  - set: {path: /a, value: 1234567890}\n", err, sizeof(err));
		struct buf o;
		buf_init(&o, 12);
		CHECK(rules_apply_request(r, str_cstr("{\"a\":"), &o, err, sizeof(err)) == -1, "bad body");
		CHECK(strcmp(err, "the body is not a JSON object or array") == 0, "%s", err);
		CHECK(rules_apply_request(r, str_cstr("\"a\""), &o, err, sizeof(err)) == -1, "scalar body");
		CHECK(rules_apply_request(r, str_cstr("{\"a\":1}"), &o, err, sizeof(err)) == -1, "cap");
		CHECK(strcmp(err, "the rewritten body is over its size cap") == 0, "%s", err);
		CHECK(buf_len(&o) == 0 && o.err == 0, "out touched");
		buf_free(&o);
		rules_free(r);
	}
	CASE("no rules: 0 without looking at the body") {
		char err[128] = "";
		struct rules *r = compile("request: []\nresponse:\n", err, sizeof(err));
		struct buf o;
		buf_init(&o, 1 << 10);
		CHECK(r && rules_request_empty(r) && rules_response_empty(r), "%s", err);
		CHECK(rules_apply_request(r, str_cstr("not json"), &o, err, sizeof(err)) == 0, "rc");
		CHECK(rules_apply_response(NULL, str_cstr("{}"), &o, err, sizeof(err)) == 0, "NULL rules");
		CHECK(rules_request_empty(NULL), "NULL empty");
		rules_free(r);
		CHECK(rules_compile(NULL, "m.yaml", &r, err, sizeof(err)) == 0 && r && rules_request_empty(r), "NULL node");
		rules_free(r);
		buf_free(&o);
	}

	/* ---- compile errors, with line:col --------------------------------------- */
	CASE("error: path must start with / or .") {
		EXPECT_ERR("request:\n  - delete: /a\n  - set: {path: temperature, value: 1}\n",
		           "m.yaml:3:17: rules.request[1].set: path must start with '/' or '.' "
		           "(/metadata/user_id or .metadata.user_id)");
	}
	CASE("error: bad ~ escape") {
		EXPECT_ERR("request:\n  - delete: /a~2b\n",
		           "m.yaml:2:13: rules.request[0].delete: '~' in a path must be followed by 0 or 1 "
		           "(~0 is '~', ~1 is '/')");
		EXPECT_ERR("request:\n  - delete: /a~\n",
		           "m.yaml:2:13: rules.request[0].delete: '~' in a path must be followed by 0 or 1 "
		           "(~0 is '~', ~1 is '/')");
	}
	CASE("error: dotted path shapes") {
		EXPECT_ERR("response:\n  - delete: .\n",
		           "m.yaml:2:13: rules.response[0].delete: path '.' is the whole body; name a field "
		           "(.metadata.user_id)");
		EXPECT_ERR("response:\n  - delete: .a..b\n",
		           "m.yaml:2:13: rules.response[0].delete: path has an empty part (two dots in a row or a dot "
		           "at the end)");
	}
	CASE("error: path too long, path not a string") {
		char y[256];
		size_t n = (size_t)snprintf(y, sizeof(y), "request:\n  - delete: ");
		for (int i = 0; i < 33; i++)
			n += (size_t)snprintf(y + n, sizeof(y) - n, "/a");
		snprintf(y + n, sizeof(y) - n, "\n");
		EXPECT_ERR(y, "m.yaml:2:13: rules.request[0].delete: path has more than 32 parts");
		y[n - 2] = '\n', y[n - 1] = 0; /* 32 parts are fine */
		EXPECT(y, "{\"b\":1}", NULL);
		EXPECT_ERR("request:\n  - set: {path: [a], value: 1}\n",
		           "m.yaml:2:17: rules.request[0].set: path must be a string such as /metadata/user_id");
		EXPECT_ERR("request:\n  - delete: [/a, {b: 1}]\n",
		           "m.yaml:2:18: rules.request[0].delete[1]: each path to delete must be a string");
	}
	CASE("error: set shapes") {
		EXPECT_ERR("request:\n  - set: {path: /a}\n",
		           "m.yaml:2:10: rules.request[0].set: value is missing (write value: null to set null)");
		EXPECT_ERR("request:\n  - set_if_absent: {value: 1}\n",
		           "m.yaml:2:20: rules.request[0].set_if_absent: path is missing ({path: /some/field, value: ...})");
		EXPECT_ERR("request:\n  - set: {path: /a, value: 1, when: x}\n",
		           "m.yaml:2:31: rules.request[0].set: unknown key 'when' (expected path and value)");
		EXPECT_ERR("request:\n  - set: /a\n",
		           "m.yaml:2:10: rules.request[0].set: expected {path: /some/field, value: ...}");
	}
	CASE("error: rule shapes") {
		EXPECT_ERR("request:\n  - set:\n    path: /a\n    value: 1\n",
		           "m.yaml:2:5: rules.request[0]: each rule is a map with one key, set, set_if_absent or delete "
		           "(indent path: and value: under set:)");
		EXPECT_ERR("request:\n  - rename: /a\n",
		           "m.yaml:2:5: rules.request[0]: unknown rule 'rename' (expected set, set_if_absent or delete)");
		EXPECT_ERR("request:\n  - delete: /a\n  - drop_tools: [X]\n",
		           "m.yaml:3:5: rules.request[1]: drop_tools goes directly under rules:, not in a rule list");
		EXPECT_ERR("request:\n  delete: /a\n",
		           "m.yaml:2:3: rules.request: expected a list of rules (- set: ..., - delete: ...)");
	}
	CASE("error: inside a models.yaml entry") {
		static const char y[] =
			"- model_id: \"*\"\n"
			"  rules:\n"
			"    drop_tools: default\n"
			"    request:\n"
			"      - set: {path: /temperature, value: 0.3}\n"
			"      - delete: /metadata/user~id\n";
		struct yaml_node *root;
		struct yaml_error ye;
		struct rules *r = NULL;
		char err[256] = "";
		CHECK(yaml_parse(y, sizeof(y) - 1, &root, &ye) == 0, "%s", ye.msg);
		CHECK(rules_compile(yaml_get(root->child, "rules"), "models.yaml", &r, err, sizeof(err)) == -1 && !r,
		      "compiled");
		CHECK(strcmp(err, "models.yaml:6:17: rules.request[1].delete: '~' in a path must be followed by 0 or 1 "
		                  "(~0 is '~', ~1 is '/')") == 0, "%s", err);
		yaml_free(root);
	}
	CASE("error: rules shapes") {
		EXPECT_ERR("requests:\n  - delete: /a\n",
		           "m.yaml:1:1: rules: unknown key 'requests' (expected drop_tools, request, upstream or response)");
		EXPECT_ERR("- delete: /a\n", "m.yaml:1:1: rules: expected a map with drop_tools, request, upstream or response");
		EXPECT_ERR("drop_tools: {a: 1}\n", "m.yaml:1:13: rules.drop_tools: expected default or a list of tool names");
		EXPECT_ERR("drop_tools: [a, [b]]\n", "m.yaml:1:17: rules.drop_tools[1]: a tool name must be a string");
		EXPECT_ERR("drop_tools: [a, '']\n",
		           "m.yaml:1:17: rules.drop_tools[1]: a tool name must be a non-empty string");
	}
	CASE("deep values") {
		/* the YAML parser caps nesting at 64: map, list, item, set and 60 lists */
		for (int deep = 60; deep <= 61; deep++) {
			char y[512], want[256], err[256] = "";
			size_t n = (size_t)snprintf(y, sizeof(y), "request:\n  - set: {path: /a, value: ");
			size_t m = (size_t)snprintf(want, sizeof(want), "{\"a\":");
			for (int i = 0; i < deep; i++)
				y[n++] = '[', want[m++] = '[';
			for (int i = 0; i < deep; i++)
				y[n++] = ']', want[m++] = ']';
			snprintf(y + n, sizeof(y) - n, "}\n");
			snprintf(want + m, sizeof(want) - m, "}");
			if (deep == 60) {
				EXPECT(y, "{}", want);
			} else {
				struct rules *r = compile(y, err, sizeof(err));
				CHECK(r == NULL && strncmp(err, "yaml 2:", 7) == 0, "61 deep: %s", err);
				rules_free(r);
			}
		}
	}
	return t_done("rules");
}
