/* test_xl_anth_oai.c: Anthropic Messages request -> OpenAI Chat Completions
 * request. Every expected body is written out in full; in the tables a
 * single quote stands for a double quote (use \u0027 for an apostrophe). */
#include "xl_anth_oai.h"

#include <stdlib.h>

#include "json.h"
#include "t.h"

/* ' -> " in a heap copy. */
static char *q(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	if (!d)
		abort();
	for (size_t i = 0; i <= n; i++)
		d[i] = s[i] == '\'' ? '"' : s[i];
	return d;
}

static const struct xl_oai_opts base_opts = { "up", 4096, 0, 0, 0, 0.0, NULL, NULL, NULL };

/* Convert in (quoted) with o; the output must be want (quoted) and valid JSON. */
static void expect(int line, const struct xl_oai_opts *o, const char *in, const char *want)
{
	char *qi = q(in), *qw = q(want), err[200];
	struct buf out;
	buf_init(&out, 1 << 20);
	int rc = xl_anth_to_oai(str_cstr(qi), o, &out, err, sizeof(err));
	CHECK(rc == 0, "line %d: rc %d err '%s'", line, rc, err);
	if (rc == 0) {
		CHECK(json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "line %d: invalid JSON", line);
		CHECK(buf_len(&out) == strlen(qw) && memcmp(buf_data(&out), qw, strlen(qw)) == 0,
		      "line %d:\n got  %.*s\n want %s", line, (int)buf_len(&out), buf_data(&out), qw);
		/* the same with the caller's parse handed over (o->parsed) */
		struct json pj;
		struct xl_oai_opts po = *o;
		CHECK(json_parse(&pj, qi, strlen(qi)) == 0, "line %d: parse", line);
		po.parsed = &pj;
		buf_reset(&out);
		CHECK(xl_anth_to_oai(str_cstr(qi), &po, &out, err, sizeof(err)) == 0 && buf_len(&out) == strlen(qw) &&
		      memcmp(buf_data(&out), qw, strlen(qw)) == 0, "line %d: parsed differs", line);
		json_free(&pj);
	}
	buf_free(&out);
	free(qi);
	free(qw);
}

/* Convert in (quoted); must fail with exactly msg and leave out untouched. */
static void expect_err(int line, const struct xl_oai_opts *o, const char *in, const char *msg)
{
	char *qi = q(in), err[200];
	struct buf out;
	buf_init(&out, 1 << 20);
	buf_puts(&out, "keep");
	int rc = xl_anth_to_oai(str_cstr(qi), o, &out, err, sizeof(err));
	CHECK(rc == -1, "line %d: rc %d", line, rc);
	CHECK(strcmp(err, msg) == 0, "line %d:\n got  %s\n want %s", line, err, msg);
	CHECK(buf_len(&out) == 4 && memcmp(buf_data(&out), "keep", 4) == 0,
	      "line %d: out changed: %.*s", line, (int)buf_len(&out), buf_data(&out));
	buf_free(&out);
	free(qi);
}

#define HEAD "{'model':'claude-x','max_tokens':100,"
#define TAIL "'max_tokens':100,'stream':false}"
#define U(c) "{'role':'user','content':" c "}"

struct row {
	int line;
	const char *in, *want;
};

/* ---- one row per mapping rule ------------------------------------------------------ */

static const struct row basic[] = {
	/* minimal */
	{ __LINE__, HEAD "'messages':[" U("'hi'") "]}",
	  "{'model':'up','messages':[" U("'hi'") "]," TAIL },
	/* system string -> first message */
	{ __LINE__, HEAD "'system':'Be brief.','messages':[" U("'hi'") "]}",
	  "{'model':'up','messages':[{'role':'system','content':'Be brief.'}," U("'hi'") "]," TAIL },
	/* system blocks joined with \n\n; billing header dropped; cache_control dropped */
	{ __LINE__,
	  HEAD "'system':[{'type':'text','text':'x-anthropic-billing-header: cc_version=2.1.330.f00; cc_entrypoint=cli;'},"
	       "{'type':'text','text':'One.','cache_control':{'type':'ephemeral'}},{'type':'text','text':'Two.'}],"
	       "'messages':[" U("'hi'") "]}",
	  "{'model':'up','messages':[{'role':'system','content':'One.\\n\\nTwo.'}," U("'hi'") "]," TAIL },
	/* the header is found even when spelled with escapes */
	{ __LINE__,
	  HEAD "'system':[{'type':'text','text':'x\\u002danthropic-billing-header: a'},{'type':'text','text':'P'}],"
	       "'messages':[" U("'hi'") "]}",
	  "{'model':'up','messages':[{'role':'system','content':'P'}," U("'hi'") "]," TAIL },
	/* only the header: no system message; empty blocks skipped */
	{ __LINE__,
	  HEAD "'system':[{'type':'text','text':'x-anthropic-billing-header: a'},{'type':'text','text':''}],"
	       "'messages':[" U("'hi'") "]}",
	  "{'model':'up','messages':[" U("'hi'") "]," TAIL },
	/* empty system string: none; system null: none */
	{ __LINE__, HEAD "'system':'','messages':[" U("'hi'") "]}",
	  "{'model':'up','messages':[" U("'hi'") "]," TAIL },
	{ __LINE__, HEAD "'system':null,'messages':[" U("'hi'") "]}",
	  "{'model':'up','messages':[" U("'hi'") "]," TAIL },
	/* a billing-looking text later in the prompt is kept (prefix only) */
	{ __LINE__,
	  HEAD "'system':[{'type':'text','text':'see x-anthropic-billing-header: a'}],'messages':[" U("'hi'") "]}",
	  "{'model':'up','messages':[{'role':'system','content':'see x-anthropic-billing-header: a'}," U("'hi'") "]," TAIL },
	/* role system inside messages stays in place: string and blocks */
	{ __LINE__,
	  HEAD "'messages':[" U("'a'") ",{'role':'system','content':'env'}," U("'b'")
	       ",{'role':'system','content':[{'type':'text','text':'s1','cache_control':{'type':'ephemeral'}},{'type':'text','text':'s2'}]}]}",
	  "{'model':'up','messages':[" U("'a'") ",{'role':'system','content':'env'}," U("'b'")
	  ",{'role':'system','content':'s1\\n\\ns2'}]," TAIL },
	/* one text block -> string; cache_control and citations dropped */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'text','text':'hi','cache_control':{'type':'ephemeral'},'citations':[]}]") "]}",
	  "{'model':'up','messages':[" U("'hi'") "]," TAIL },
	/* a block type spelled with escapes is that type; one that decodes to another word is not */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'t\\u0065xt','text':'hi'},{'type':'text\\u0073','text':'no'}]") "]}",
	  "{'model':'up','messages':[" U("'hi'") "]," TAIL },
	/* several text blocks -> parts */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'text','text':'a'},{'type':'text','text':'b'}]") "]}",
	  "{'model':'up','messages':[" U("[{'type':'text','text':'a'},{'type':'text','text':'b'}]") "]," TAIL },
	/* base64 image -> data URL, url image -> url; any image -> parts */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBORw0K'}}]") "]}",
	  "{'model':'up','messages':[" U("[{'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0K'}}]") "]," TAIL },
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'text','text':'what is it'},{'type':'image','source':{'type':'url','url':'https://x/y.jpg'}}]") "]}",
	  "{'model':'up','messages':[" U("[{'type':'text','text':'what is it'},{'type':'image_url','image_url':{'url':'https://x/y.jpg'}}]") "]," TAIL },
	/* file-id images have no Chat Completions form; empty text skipped */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'image','source':{'type':'file','file_id':'f1'}},{'type':'text','text':''},{'type':'text','text':'x'}]") "]}",
	  "{'model':'up','messages':[" U("'x'") "]," TAIL },
	/* plain-text documents are text; PDFs and unknown blocks dropped */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'document','source':{'type':'text','media_type':'text/plain','data':'doc'}},"
	                        "{'type':'document','source':{'type':'base64','media_type':'application/pdf','data':'JVBE'}},"
	                        "{'type':'search_result','source':'s','title':'t','content':[]},{'type':'text','text':'q'}]") "]}",
	  "{'model':'up','messages':[" U("[{'type':'text','text':'doc'},{'type':'text','text':'q'}]") "]," TAIL },
	/* empty messages omitted; same-role neighbours stay separate */
	{ __LINE__,
	  HEAD "'messages':[" U("''") "," U("[]") "," U("'a'") "," U("'b'")
	       ",{'role':'assistant','content':[{'type':'thinking','thinking':'hm','signature':'s'}]}"
	       ",{'role':'assistant','content':''}," U("'c'") "]}",
	  "{'model':'up','messages':[" U("'a'") "," U("'b'") "," U("'c'") "]," TAIL },
	/* assistant text: one block -> string, several -> parts, string stays */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[{'type':'text','text':'x','citations':[{'type':'char_location'}]}]},"
	       U("'q2'") ",{'role':'assistant','content':[{'type':'text','text':'y'},{'type':'text','text':'z'}]},"
	       U("'q3'") ",{'role':'assistant','content':'w'}]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':'x'}," U("'q2'")
	  ",{'role':'assistant','content':[{'type':'text','text':'y'},{'type':'text','text':'z'}]}," U("'q3'")
	  ",{'role':'assistant','content':'w'}]," TAIL },
	/* thinking -> reasoning_content (joined), redacted dropped */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[{'type':'thinking','thinking':'a','signature':'s1'},"
	       "{'type':'redacted_thinking','data':'zz'},{'type':'thinking','thinking':'b','signature':'s2'},{'type':'text','text':'ok'}]}]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':'ok','reasoning_content':'a\\n\\nb'}]," TAIL },
	/* Claude Code with display omitted: empty thinking still sends reasoning_content */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[{'type':'thinking','thinking':'','signature':'s'},"
	       "{'type':'tool_use','id':'t1','name':'Bash','input':{'command':'ls'}}]}," U("[{'type':'tool_result','tool_use_id':'t1','content':'a'}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'reasoning_content':'','tool_calls':[{'id':'t1','type':'function','function':{'name':'Bash','arguments':'{\\'command\\':\\'ls\\'}'}}]},"
	  "{'role':'tool','tool_call_id':'t1','content':'a'}]," TAIL },
	/* tool_use: text -> content, arguments compact; verbatim when compact, non-ASCII kept, escapes kept */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[{'type':'text','text':'Running.'},"
	       "{'type':'tool_use','id':'t1','name':'Bash','input':{ 'command' : 'echo \\'caf\xc3\xa9 x\\'',\n 'n':[1, 2 ,{}] }},"
	       "{'type':'tool_use','id':'t2','name':'Read','input':{'p':'\\u00e9\\n'}},"
	       "{'type':'tool_use','id':'t3','name':'Noop'}]},"
	       U("[{'type':'tool_result','tool_use_id':'t1','content':'r1'},{'type':'tool_result','tool_use_id':'t2','content':'r2'},{'type':'tool_result','tool_use_id':'t3','content':'r3'}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':'Running.','tool_calls':["
	  "{'id':'t1','type':'function','function':{'name':'Bash','arguments':'{\\'command\\':\\'echo \\\\\\'caf\xc3\xa9 x\\\\\\'\\',\\'n\\':[1,2,{}]}'}},"
	  "{'id':'t2','type':'function','function':{'name':'Read','arguments':'{\\'p\\':\\'\\\\u00e9\\\\n\\'}'}},"
	  "{'id':'t3','type':'function','function':{'name':'Noop','arguments':'{}'}}]},"
	  "{'role':'tool','tool_call_id':'t1','content':'r1'},{'role':'tool','tool_call_id':'t2','content':'r2'},"
	  "{'role':'tool','tool_call_id':'t3','content':'r3'}]," TAIL },
	/* tool_use input with long strings (a Write's content): runs past 16 bytes copied as they are,
	 * escaped quotes and backslashes at the run ends, spaces inside strings kept, outside dropped */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[{'type':'tool_use','id':'w1','name':'Write','input':"
	       "{'file_path' : '/tmp/a.txt',\n 'content':'0123456789abcdef \\'q\\' tail\\nAB\\\\C 0123456789abcdefghij'}}]},"
	       U("[{'type':'tool_result','tool_use_id':'w1','content':'ok'}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':["
	  "{'id':'w1','type':'function','function':{'name':'Write','arguments':"
	  "'{\\'file_path\\':\\'/tmp/a.txt\\',\\'content\\':\\'0123456789abcdef \\\\\\'q\\\\\\' tail\\\\nAB\\\\\\\\C 0123456789abcdefghij\\'}'}}]},"
	  "{'role':'tool','tool_call_id':'w1','content':'ok'}]," TAIL },
	/* tool_result content: blocks of text -> one string; with an image -> parts; missing -> '' */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[{'type':'tool_use','id':'a','name':'f','input':{}},"
	       "{'type':'tool_use','id':'b','name':'f','input':{}},{'type':'tool_use','id':'c','name':'f','input':{}}]},"
	       U("[{'type':'tool_result','tool_use_id':'a','content':[{'type':'text','text':'l1'},{'type':'tool_reference','tool_name':'X'},{'type':'text','text':'l2','cache_control':{'type':'ephemeral'}}]},"
	         "{'type':'tool_result','tool_use_id':'b','content':[{'type':'text','text':'see'},{'type':'image','source':{'type':'base64','media_type':'image/jpeg','data':'/9j/'}}]},"
	         "{'type':'tool_result','tool_use_id':'c'}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':["
	  "{'id':'a','type':'function','function':{'name':'f','arguments':'{}'}},"
	  "{'id':'b','type':'function','function':{'name':'f','arguments':'{}'}},"
	  "{'id':'c','type':'function','function':{'name':'f','arguments':'{}'}}]},"
	  "{'role':'tool','tool_call_id':'a','content':'l1\\n\\nl2'},"
	  "{'role':'tool','tool_call_id':'b','content':[{'type':'text','text':'see'},{'type':'image_url','image_url':{'url':'data:image/jpeg;base64,/9j/'}}]},"
	  "{'role':'tool','tool_call_id':'c','content':''}]," TAIL },
	/* is_error: prefixed string, prefixed parts, bare */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[{'type':'tool_use','id':'a','name':'f','input':{}},"
	       "{'type':'tool_use','id':'b','name':'f','input':{}},{'type':'tool_use','id':'c','name':'f','input':{}},{'type':'tool_use','id':'d','name':'f','input':{}}]},"
	       U("[{'type':'tool_result','tool_use_id':'a','content':'boom','is_error':true},"
	         "{'type':'tool_result','tool_use_id':'b','is_error':true,'content':[{'type':'text','text':'x'},{'type':'image','source':{'type':'url','url':'u'}}]},"
	         "{'type':'tool_result','tool_use_id':'c','is_error':true},"
	         "{'type':'tool_result','tool_use_id':'d','is_error':false,'content':[{'type':'text','text':'fine'}]}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':["
	  "{'id':'a','type':'function','function':{'name':'f','arguments':'{}'}},"
	  "{'id':'b','type':'function','function':{'name':'f','arguments':'{}'}},"
	  "{'id':'c','type':'function','function':{'name':'f','arguments':'{}'}},"
	  "{'id':'d','type':'function','function':{'name':'f','arguments':'{}'}}]},"
	  "{'role':'tool','tool_call_id':'a','content':'[tool error] boom'},"
	  "{'role':'tool','tool_call_id':'b','content':[{'type':'text','text':'[tool error]'},{'type':'text','text':'x'},{'type':'image_url','image_url':{'url':'u'}}]},"
	  "{'role':'tool','tool_call_id':'c','content':'[tool error]'},"
	  "{'role':'tool','tool_call_id':'d','content':'fine'}]," TAIL },
};

/* ---- tool-result ordering repairs --------------------------------------------------- */

#define CALL(id) "{'type':'tool_use','id':'" id "','name':'f','input':{}}"
#define OCALL(id) "{'id':'" id "','type':'function','function':{'name':'f','arguments':'{}'}}"
#define RES(id, c) "{'type':'tool_result','tool_use_id':'" id "','content':'" c "'}"
#define TOOL(id, c) "{'role':'tool','tool_call_id':'" id "','content':'" c "'}"
#define PH "[tool call was interrupted: no result was provided]"

static const struct row repair[] = {
	/* missing result -> placeholder; user text after the tool messages */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("a") "," CALL("b") "]}," U("[" RES("a", "ra") ",{'type':'text','text':'next'}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "," OCALL("b") "]},"
	  TOOL("a", "ra") "," TOOL("b", PH) "," U("'next'") "]," TAIL },
	/* the conversation ends on the tool turn: placeholders */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("a") "]}]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "]}," TOOL("a", PH) "]," TAIL },
	/* orphan results dropped: unknown id, and results with no tool turn before */
	{ __LINE__,
	  HEAD "'messages':[" U("[" RES("z", "rz") ",{'type':'text','text':'hi'}]") ",{'role':'assistant','content':[" CALL("a") "]},"
	       U("[" RES("x", "rx") "," RES("a", "ra") "]") "]}",
	  "{'model':'up','messages':[" U("'hi'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "]}," TOOL("a", "ra") "]," TAIL },
	/* duplicates: the first wins, also across user messages */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("a") "]}," U("[" RES("a", "first") "," RES("a", "second") "]")
	       "," U("[" RES("a", "third") ",{'type':'text','text':'t'}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "]}," TOOL("a", "first")
	  "," U("'t'") "]," TAIL },
	/* results out of order -> tool_calls order */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("a") "," CALL("b") "," CALL("c") "]},"
	       U("[" RES("c", "rc") "," RES("a", "ra") "," RES("b", "rb") "]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "," OCALL("b") "," OCALL("c") "]},"
	  TOOL("a", "ra") "," TOOL("b", "rb") "," TOOL("c", "rc") "]," TAIL },
	/* a result in a later user turn (after a compaction summary) moves up;
	 * the system message between stays after the tool messages */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("a") "," CALL("b") "]},"
	       U("[{'type':'text','text':'summary of earlier work'}," RES("b", "rb") "]") ",{'role':'system','content':'note'},"
	       U("[" RES("a", "ra") ",{'type':'text','text':'go on'}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "," OCALL("b") "]},"
	  TOOL("a", "ra") "," TOOL("b", "rb") "," U("'summary of earlier work'") ",{'role':'system','content':'note'}," U("'go on'") "]," TAIL },
	/* a result only after the next assistant turn: placeholder, and the late one is dropped */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("a") "]}," U("'where is it'")
	       ",{'role':'assistant','content':'lost'}," U("[" RES("a", "late") ",{'type':'text','text':'x'}]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "]}," TOOL("a", PH) ","
	  U("'where is it'") ",{'role':'assistant','content':'lost'}," U("'x'") "]," TAIL },
	/* a repeated tool_use id in one turn: one call */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("a") "," CALL("a") "," CALL("b") "]}," U("[" RES("b", "rb") "," RES("a", "ra") "]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "," OCALL("b") "]},"
	  TOOL("a", "ra") "," TOOL("b", "rb") "]," TAIL },
	/* ids compare after unescaping; the call's spelling is sent */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("to\\u006fl_1") "," CALL("t2") "]},"
	       U("[" RES("tool_1", "r1") "," RES("t\\u0032", "r2") "]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("to\\u006fl_1") "," OCALL("t2") "]},"
	  TOOL("to\\u006fl_1", "r1") "," TOOL("t2", "r2") "]," TAIL },
	/* two tool turns back to back (parallel agents): each gets its own */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ",{'role':'assistant','content':[" CALL("a") "]},{'role':'assistant','content':[" CALL("b") "]},"
	       U("[" RES("a", "ra") "," RES("b", "rb") "]") "]}",
	  "{'model':'up','messages':[" U("'q'") ",{'role':'assistant','content':null,'tool_calls':[" OCALL("a") "]}," TOOL("a", PH) ","
	  "{'role':'assistant','content':null,'tool_calls':[" OCALL("b") "]}," TOOL("b", "rb") "]," TAIL },
};

/* ---- a 3-turn tool conversation ---------------------------------------------------- */

static const struct row conversation[] = {
	{ __LINE__,
	  "{'model':'claude-sonnet-5-5','max_tokens':32000,'stream':true,"
	  "'system':[{'type':'text','text':'You are Claude Code.'}],"
	  "'tools':[{'name':'Bash','description':'Run a command','input_schema':{'type':'object','properties':{'command':{'type':'string'}},'required':['command']}},"
	  "{'name':'Read','description':'Read a file','input_schema':{'type':'object','properties':{'file_path':{'type':'string'}}}}],"
	  "'messages':["
	  "{'role':'user','content':[{'type':'text','text':'what is in a.txt?'}]},"
	  "{'role':'assistant','content':[{'type':'thinking','thinking':'List first.','signature':'EuYB'},{'type':'text','text':'Let me look.'},"
	  "{'type':'tool_use','id':'toolu_01','name':'Bash','input':{'command':'ls'}}]},"
	  "{'role':'user','content':[{'tool_use_id':'toolu_01','type':'tool_result','content':'a.txt\\nb.txt','is_error':false,'cache_control':{'type':'ephemeral'}}]},"
	  "{'role':'assistant','content':[{'type':'thinking','thinking':'Read it.','signature':'EuYC'},"
	  "{'type':'tool_use','id':'toolu_02','name':'Read','input':{'file_path':'a.txt'}}]},"
	  "{'role':'user','content':[{'tool_use_id':'toolu_02','type':'tool_result','content':[{'type':'text','text':'hello'}]}]},"
	  "{'role':'assistant','content':[{'type':'text','text':'It says hello.'}]},"
	  "{'role':'user','content':[{'type':'text','text':'thanks','cache_control':{'type':'ephemeral'}}]}]}",
	  "{'model':'up','messages':["
	  "{'role':'system','content':'You are Claude Code.'},"
	  "{'role':'user','content':'what is in a.txt?'},"
	  "{'role':'assistant','content':'Let me look.','reasoning_content':'List first.','tool_calls':[{'id':'toolu_01','type':'function','function':{'name':'Bash','arguments':'{\\'command\\':\\'ls\\'}'}}]},"
	  "{'role':'tool','tool_call_id':'toolu_01','content':'a.txt\\nb.txt'},"
	  "{'role':'assistant','content':null,'reasoning_content':'Read it.','tool_calls':[{'id':'toolu_02','type':'function','function':{'name':'Read','arguments':'{\\'file_path\\':\\'a.txt\\'}'}}]},"
	  "{'role':'tool','tool_call_id':'toolu_02','content':'hello'},"
	  "{'role':'assistant','content':'It says hello.'},"
	  "{'role':'user','content':'thanks'}],"
	  "'max_tokens':4096,'stream':false,"
	  "'tools':[{'type':'function','function':{'name':'Bash','description':'Run a command','parameters':{'type':'object','properties':{'command':{'type':'string'}},'required':['command']}}},"
	  "{'type':'function','function':{'name':'Read','description':'Read a file','parameters':{'type':'object','properties':{'file_path':{'type':'string'}}}}}]}" },
};

/* ---- tools and tool_choice --------------------------------------------------------- */

#define T1 "{'name':'f','description':'does f','input_schema':{'type':'object'}}"
#define OT1 "{'type':'function','function':{'name':'f','description':'does f','parameters':{'type':'object'}}}"
#define MSG "'messages':[" U("'q'") "]"
#define OMSG "{'model':'up','messages':[" U("'q'") "],'max_tokens':100,'stream':false"

static const struct row tools[] = {
	/* no description; defer_loading, cache_control and strict dropped; server tool dropped */
	{ __LINE__,
	  HEAD MSG ",'tools':[{'name':'g','input_schema':{'type':'object','properties':{}},'defer_loading':true,'cache_control':{'type':'ephemeral'},'strict':true},"
	  "{'type':'web_search_20250305','name':'web_search','max_uses':5}," T1 "]}",
	  OMSG ",'tools':[{'type':'function','function':{'name':'g','parameters':{'type':'object','properties':{}}}}," OT1 "]}" },
	/* schema copied verbatim (spacing, $schema, unknown keywords) */
	{ __LINE__,
	  HEAD MSG ",'tools':[{'name':'h','input_schema':{ '$schema' : 'https://json-schema.org/draft/2020-12/schema', 'type':'object','additionalProperties':false,'x-k':[1 ,2] }}]}",
	  OMSG ",'tools':[{'type':'function','function':{'name':'h','parameters':{ '$schema' : 'https://json-schema.org/draft/2020-12/schema', 'type':'object','additionalProperties':false,'x-k':[1 ,2] }}}]}" },
	/* an empty list, or only server tools: no tools, no tool_choice */
	{ __LINE__, HEAD MSG ",'tools':[],'tool_choice':{'type':'auto'}}", OMSG "}" },
	{ __LINE__, HEAD MSG ",'tools':[{'type':'bash_20250124','name':'bash'}],'tool_choice':{'type':'any'}}", OMSG "}" },
	/* tool_choice */
	{ __LINE__, HEAD MSG ",'tools':[" T1 "],'tool_choice':{'type':'auto'}}", OMSG ",'tools':[" OT1 "],'tool_choice':'auto'}" },
	{ __LINE__, HEAD MSG ",'tools':[" T1 "],'tool_choice':{'type':'any'}}", OMSG ",'tools':[" OT1 "],'tool_choice':'required'}" },
	{ __LINE__, HEAD MSG ",'tools':[" T1 "],'tool_choice':{'type':'none'}}", OMSG ",'tools':[" OT1 "],'tool_choice':'none'}" },
	{ __LINE__, HEAD MSG ",'tools':[" T1 "],'tool_choice':{'type':'tool','name':'f'}}",
	  OMSG ",'tools':[" OT1 "],'tool_choice':{'type':'function','function':{'name':'f'}}}" },
	{ __LINE__, HEAD MSG ",'tools':[" T1 "],'tool_choice':{'type':'auto','disable_parallel_tool_use':true}}",
	  OMSG ",'tools':[" OT1 "],'tool_choice':'auto','parallel_tool_calls':false}" },
	{ __LINE__, HEAD MSG ",'tools':[" T1 "],'tool_choice':{'type':'any','disable_parallel_tool_use':false}}",
	  OMSG ",'tools':[" OT1 "],'tool_choice':'required'}" },
	/* tools without tool_choice */
	{ __LINE__, HEAD MSG ",'tools':[" T1 "]}", OMSG ",'tools':[" OT1 "]}" },
};

/* ---- sampling, stop, user, dropped fields, structured output ----------------------- */

static const struct row fields[] = {
	/* temperature, top_p pass as written; top_k dropped; stop_sequences -> stop */
	{ __LINE__, HEAD MSG ",'temperature':0.70,'top_p':1e-1,'top_k':40,'stop_sequences':['END','\\n\\nHuman:']}",
	  OMSG ",'temperature':0.70,'top_p':1e-1,'stop':['END','\\n\\nHuman:']}" },
	{ __LINE__, HEAD MSG ",'stop_sequences':[],'temperature':null}", OMSG "}" },
	/* metadata.user_id -> user, a JSON-encoded string as is */
	{ __LINE__,
	  HEAD MSG ",'metadata':{'user_id':'{\\'device_id\\':\\'ab12\\',\\'account_uuid\\':\\'\\',\\'session_id\\':\\'5e1d\\'}'}}",
	  OMSG ",'user':'{\\'device_id\\':\\'ab12\\',\\'account_uuid\\':\\'\\',\\'session_id\\':\\'5e1d\\'}'}" },
	{ __LINE__, HEAD MSG ",'metadata':{}}", OMSG "}" },
	/* no equivalent: dropped */
	{ __LINE__,
	  HEAD MSG ",'context_management':{'edits':[{'type':'clear_thinking_20251015','keep':'all'}]},"
	  "'safeguards':[{'type':'dangerous_tool_use','classifier_context':{'cwd':'/w'}}],'container':'c1',"
	  "'mcp_servers':[{'type':'url','url':'https://m','name':'m'}],'service_tier':'auto','future_field':{'a':1}}",
	  OMSG "}" },
	/* structured output */
	{ __LINE__,
	  HEAD MSG ",'output_config':{'format':{'type':'json_schema','schema':{'type':'object','properties':{'title':{'type':'string'}},'required':['title'],'additionalProperties':false}}}}",
	  OMSG ",'response_format':{'type':'json_schema','json_schema':{'name':'output','schema':{'type':'object','properties':{'title':{'type':'string'}},'required':['title'],'additionalProperties':false},'strict':false}}}" },
	{ __LINE__, HEAD MSG ",'output_format':{'type':'json_schema','schema':{'type':'object'}}}",
	  OMSG ",'response_format':{'type':'json_schema','json_schema':{'name':'output','schema':{'type':'object'},'strict':false}}}" },
	{ __LINE__, HEAD MSG ",'output_config':{'format':{'type':'text'}}}", OMSG "}" },
	/* max_tokens: min(request, cap) */
	{ __LINE__, "{'max_tokens':99999," MSG "}", "{'model':'up','messages':[" U("'q'") "],'max_tokens':4096,'stream':false}" },
	{ __LINE__, "{" MSG "}", "{'model':'up','messages':[" U("'q'") "],'max_tokens':4096,'stream':false}" },
	/* reasoning from the request */
	{ __LINE__, HEAD MSG ",'thinking':{'type':'disabled'},'output_config':{'effort':'high'}}", OMSG "}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'adaptive'}}", OMSG ",'reasoning_effort':'medium'}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'adaptive'},'output_config':{'effort':'low'}}", OMSG ",'reasoning_effort':'low'}" },
	{ __LINE__, HEAD MSG ",'output_config':{'effort':'max'}}", OMSG ",'reasoning_effort':'high'}" },
	{ __LINE__, HEAD MSG ",'output_config':{'effort':'xhigh'},'thinking':{'type':'adaptive'}}", OMSG ",'reasoning_effort':'medium'}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'enabled','budget_tokens':1024}}", OMSG ",'reasoning_effort':'low'}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'enabled','budget_tokens':4095}}", OMSG ",'reasoning_effort':'low'}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'enabled','budget_tokens':4096}}", OMSG ",'reasoning_effort':'medium'}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'enabled','budget_tokens':16383}}", OMSG ",'reasoning_effort':'medium'}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'enabled','budget_tokens':31999}}", OMSG ",'reasoning_effort':'high'}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'enabled','budget_tokens':31999},'output_config':{'effort':'low'}}", OMSG ",'reasoning_effort':'low'}" },
	{ __LINE__, HEAD MSG ",'thinking':{'type':'enabled'}}", OMSG ",'reasoning_effort':'medium'}" },
	/* the last message's output_config wins over the top-level one */
	{ __LINE__, HEAD "'messages':[{'role':'user','content':'q','output_config':{'effort':'low'}}],'output_config':{'effort':'high'}}",
	  OMSG ",'reasoning_effort':'low'}" },
	{ __LINE__, HEAD "'messages':[{'role':'user','content':'q','output_config':{'effort':'low'}}," U("'r'") "],'output_config':{'effort':'high'}}",
	  "{'model':'up','messages':[" U("'q'") "," U("'r'") "],'max_tokens':100,'stream':false,'reasoning_effort':'high'}" },
};

/* ---- Claude Code's real first request ------------------------------------------------ */

#define SCH(props, req) \
	"{'$schema':'https://json-schema.org/draft/2020-12/schema','type':'object','properties':{" props "},'required':[" req "],'additionalProperties':false}"
#define CC_TOOLS(X) \
	X("Agent", "Launch an agent", SCH("'prompt':{'type':'string'},'subagent_type':{'type':'string'}", "'prompt'")) \
	X("Bash", "Run a shell command", SCH("'command':{'type':'string'},'timeout':{'type':'number','exclusiveMinimum':0}", "'command'")) \
	X("Edit", "Edit a file", SCH("'file_path':{'type':'string'},'old_string':{'type':'string'},'new_string':{'type':'string'}", "'file_path','old_string','new_string'")) \
	X("ListAgents", "List agents", SCH("", "")) \
	X("Read", "Read a file", SCH("'file_path':{'type':'string'},'offset':{'type':'integer','default':0}", "'file_path'")) \
	X("ReportFindings", "Report findings", SCH("'findings':{'type':'array','items':{'type':'string'}}", "'findings'")) \
	X("ScheduleWakeup", "Wake later", SCH("'at':{'type':'string','pattern':'^[0-9]+$'}", "'at'")) \
	X("Skill", "Use a skill", SCH("'skill':{'type':'string'}", "'skill'")) \
	X("ToolSearch", "Find tools", SCH("'query':{'type':'string'},'max':{'type':'integer','enum':[5,10]}", "'query'")) \
	X("Workflow", "Run a workflow", SCH("'name':{'type':'string'}", "'name'")) \
	X("Write", "Write a file", SCH("'file_path':{'type':'string'},'content':{'type':'string'}", "'file_path','content'"))
#define CC_IN(n, d, s) "{'name':'" n "','description':'" d "','input_schema':" s "},"
#define CC_OUT(n, d, s) "{'type':'function','function':{'name':'" n "','description':'" d "','parameters':" s "}},"
#define CC_DEFERRED_SCHEMA "{'type':'object','properties':{},'additionalProperties':false}"

static const char cc_in[] =
	"{'model':'claude-opus-5-5','messages':["
	"{'role':'user','content':[{'type':'text','text':'<system-reminder>\\nAs you answer, use this context.\\n</system-reminder>\\n'},"
	"{'type':'text','text':'fix the failing test','cache_control':{'type':'ephemeral'}}]},"
	"{'role':'system','content':[{'type':'text','text':'# Environment\\nWorking directory: /home/dev/project\\nPlatform: linux','cache_control':{'type':'ephemeral'}}],"
	"'output_config':{'effort':'medium'}}],"
	"'system':[{'type':'text','text':'x-anthropic-billing-header: cc_version=2.1.330.9f2; cc_entrypoint=sdk-cli;'},"
	"{'type':'text','text':'You are a Claude agent, built on Anthropic\\u0027s Claude Agent SDK.','cache_control':{'type':'ephemeral'}},"
	"{'type':'text','text':'You are an interactive agent that helps users with software engineering tasks.','cache_control':{'type':'ephemeral'}}],"
	"'tools':[" CC_TOOLS(CC_IN)
	"{'name':'DeferredToolPlaceholder','description':'Deferred tools are listed by name','input_schema':" CC_DEFERRED_SCHEMA ",'defer_loading':true}],"
	"'metadata':{'user_id':'{\\'device_id\\':\\'4f1c0e9a8b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e\\',\\'account_uuid\\':\\'\\',\\'session_id\\':\\'0b8e9a36-5c1f-4f6e-9d2a-7c3b1e4f5a6d\\'}'},"
	"'max_tokens':32000,'thinking':{'type':'adaptive','display':'omitted'},"
	"'context_management':{'edits':[{'type':'clear_thinking_20251015','keep':'all'}]},"
	"'output_config':{'effort':'high'},'stream':true,"
	"'safeguards':[{'type':'dangerous_tool_use','classifier_context':{'cwd':'/home/dev/project','home':'/home/dev'}}]}";

static const char cc_out[] =
	"{'model':'up','messages':["
	"{'role':'system','content':'You are a Claude agent, built on Anthropic\\u0027s Claude Agent SDK.\\n\\nYou are an interactive agent that helps users with software engineering tasks.'},"
	"{'role':'user','content':[{'type':'text','text':'<system-reminder>\\nAs you answer, use this context.\\n</system-reminder>\\n'},{'type':'text','text':'fix the failing test'}]},"
	"{'role':'system','content':'# Environment\\nWorking directory: /home/dev/project\\nPlatform: linux'}],"
	"'max_tokens':8192,'stream':true,'stream_options':{'include_usage':true},"
	"'tools':[" CC_TOOLS(CC_OUT)
	"{'type':'function','function':{'name':'DeferredToolPlaceholder','description':'Deferred tools are listed by name','parameters':" CC_DEFERRED_SCHEMA "}}],"
	"'reasoning_effort':'medium',"
	"'user':'{\\'device_id\\':\\'4f1c0e9a8b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e\\',\\'account_uuid\\':\\'\\',\\'session_id\\':\\'0b8e9a36-5c1f-4f6e-9d2a-7c3b1e4f5a6d\\'}'}";

/* ---- errors ------------------------------------------------------------------------ */

static const struct {
	int line;
	const char *in, *msg;
} errors[] = {
	{ __LINE__, "[]", "request body must be a JSON object" },
	{ __LINE__, "'messages'", "request body must be a JSON object" },
	{ __LINE__, "{'messages':[}", "request body is not valid JSON (error at byte 13)" },
	{ __LINE__, "", "request body is not valid JSON (error at byte 0)" },
	{ __LINE__, "{}", "messages: required" },
	{ __LINE__, "{'messages':{}}", "messages: must be an array" },
	{ __LINE__, "{'messages':['hi']}", "messages.0: must be an object" },
	{ __LINE__, "{'messages':[" U("'a'") ",{'role':'tool','content':'x'}]}", "messages.1.role: must be \"user\", \"assistant\" or \"system\"" },
	{ __LINE__, "{'messages':[{'role':'user'}]}", "messages.0.content: must be a string or an array of content blocks" },
	{ __LINE__, "{'messages':[{'role':'user','content':7}]}", "messages.0.content: must be a string or an array of content blocks" },
	{ __LINE__, "{'messages':[" U("[{'text':'no type'}]") "]}", "messages.0.content.0: content block needs a string type" },
	{ __LINE__, "{'messages':[" U("['x']") "]}", "messages.0.content.0: content block must be an object" },
	{ __LINE__, "{'messages':[" U("[{'type':'text'}]") "]}", "messages.0.content.0: text block needs a string text" },
	{ __LINE__, "{'messages':[" U("'q'") "," U("'r'") "," U("'s'") ",{'role':'assistant','content':[{'type':'text','text':'t'},{'type':'tool_use','name':'f','input':{}}]}]}",
	  "messages.3.content.1: tool_use block needs a string id" },
	{ __LINE__, "{'messages':[{'role':'assistant','content':[{'type':'tool_use','id':'a','input':{}}]}]}", "messages.0.content.0: tool_use block needs a string name" },
	{ __LINE__, "{'messages':[{'role':'assistant','content':[{'type':'tool_use','id':'a','name':'f','input':'x'}]}]}", "messages.0.content.0: tool_use input must be an object" },
	{ __LINE__, "{'messages':[" U("[{'type':'tool_result','content':'x'}]") "]}", "messages.0.content.0: tool_result block needs a string tool_use_id" },
	{ __LINE__, "{'messages':[" U("[{'type':'tool_result','tool_use_id':'a','content':5}]") "]}",
	  "messages.0.content.0: tool_result content must be a string or an array of content blocks" },
	{ __LINE__, "{'messages':[" U("[{'type':'tool_result','tool_use_id':'a','is_error':'yes'}]") "]}", "messages.0.content.0: tool_result is_error must be a boolean" },
	/* an error inside a result that is moved up names the result's own place */
	{ __LINE__, "{'messages':[{'role':'assistant','content':[" CALL("a") "]}," U("'x'") "," U("[" RES("b", "") ",{'type':'tool_result','tool_use_id':'a','content':[{'type':'text','text':1}]}]") "]}",
	  "messages.2.content.1.content.0: text block needs a string text" },
	{ __LINE__, "{'messages':[" U("[{'type':'image'}]") "]}", "messages.0.content.0: image block needs a source object" },
	{ __LINE__, "{'messages':[" U("[{'type':'image','source':{'type':'base64','data':'x'}}]") "]}", "messages.0.content.0: base64 image source needs string media_type and data" },
	{ __LINE__, "{'messages':[" U("[{'type':'image','source':{'type':'url'}}]") "]}", "messages.0.content.0: url image source needs a string url" },
	{ __LINE__, "{'messages':[{'role':'assistant','content':[{'type':'thinking','thinking':3}]}]}", "messages.0.content.0: thinking block needs a string thinking" },
	{ __LINE__, "{'system':5,'messages':[]}", "system: must be a string or an array of text blocks" },
	{ __LINE__, "{'system':[{'text':'a'}],'messages':[]}", "system.0: content block needs a string type" },
	{ __LINE__, "{'system':[{'type':'text','text':'a'},{'type':'text'}],'messages':[]}", "system.1: text block needs a string text" },
	{ __LINE__, "{'messages':[],'max_tokens':'5'}", "max_tokens: must be an integer" },
	{ __LINE__, "{'messages':[],'max_tokens':1.5}", "max_tokens: must be an integer" },
	{ __LINE__, "{'messages':[],'max_tokens':0}", "max_tokens: must be at least 1" },
	{ __LINE__, "{'messages':[],'temperature':'hot'}", "temperature: must be a number" },
	{ __LINE__, "{'messages':[],'top_p':true}", "top_p: must be a number" },
	{ __LINE__, "{'messages':[],'stop_sequences':'x'}", "stop_sequences: must be an array of strings" },
	{ __LINE__, "{'messages':[],'stop_sequences':['x',1]}", "stop_sequences.1: must be a string" },
	{ __LINE__, "{'messages':[],'tools':{}}", "tools: must be an array" },
	{ __LINE__, "{'messages':[],'tools':[" T1 ",{'input_schema':{}}]}", "tools.1: needs a string name" },
	{ __LINE__, "{'messages':[],'tools':[{'name':'f','input_schema':[]}]}", "tools.0.input_schema: must be an object" },
	{ __LINE__, "{'messages':[],'tools':[{'name':'f','input_schema':{},'description':1}]}", "tools.0.description: must be a string" },
	{ __LINE__, "{'messages':[],'tool_choice':'auto'}", "tool_choice: must be an object" },
	{ __LINE__, "{'messages':[],'tool_choice':{'type':'sometimes'}}", "tool_choice.type: must be \"auto\", \"any\", \"tool\" or \"none\"" },
	{ __LINE__, "{'messages':[],'tool_choice':{'type':'tool'}}", "tool_choice: type \"tool\" needs a string name" },
	{ __LINE__, "{'messages':[],'tool_choice':{'type':'any','disable_parallel_tool_use':1}}", "tool_choice.disable_parallel_tool_use: must be a boolean" },
	{ __LINE__, "{'messages':[],'thinking':true}", "thinking: must be an object" },
	{ __LINE__, "{'messages':[],'thinking':{'type':'enabled','budget_tokens':'lots'}}", "thinking.budget_tokens: must be an integer" },
	{ __LINE__, "{'messages':[],'thinking':{'type':'adaptive','budget_tokens':1.5},'output_config':{'effort':'low'}}", "thinking.budget_tokens: must be an integer" },
	{ __LINE__, "{'messages':[],'thinking':{'type':7}}", "thinking.type: must be a string" },
	{ __LINE__, "{'messages':[],'output_config':[]}", "output_config: must be an object" },
	{ __LINE__, "{'messages':[],'output_config':{'effort':2}}", "output_config.effort: must be a string" },
	{ __LINE__, "{'messages':[{'role':'user','content':'q','output_config':1}]}", "messages.0.output_config: must be an object" },
	{ __LINE__, "{'messages':[{'role':'user','content':'q','output_config':{'effort':'low'}}],'output_config':7}", "output_config: must be an object" },
	{ __LINE__, "{'messages':[],'output_config':{'format':'json'}}", "output_config.format: must be an object" },
	{ __LINE__, "{'messages':[],'metadata':'u'}", "metadata: must be an object" },
	{ __LINE__, "{'messages':[],'metadata':{'user_id':5}}", "metadata.user_id: must be a string" },
};

int main(void)
{
	struct xl_oai_opts o;

	for (size_t i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
		CASE("mapping rules")
			expect(basic[i].line, &base_opts, basic[i].in, basic[i].want);
	for (size_t i = 0; i < sizeof(repair) / sizeof(repair[0]); i++)
		CASE("tool-result ordering repairs")
			expect(repair[i].line, &base_opts, repair[i].in, repair[i].want);
	CASE("3-turn tool conversation") {
		expect(conversation[0].line, &base_opts, conversation[0].in, conversation[0].want);
	}
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		CASE("tools and tool_choice")
			expect(tools[i].line, &base_opts, tools[i].in, tools[i].want);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		CASE("fields")
			expect(fields[i].line, &base_opts, fields[i].in, fields[i].want);
	CASE("Claude Code first request") {
		o = base_opts;
		o.max_tokens_cap = 8192;
		o.stream = 1;
		expect(__LINE__, &o, cc_in, cc_out);
	}
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		CASE("errors (400) name the place")
			expect_err(errors[i].line, &base_opts, errors[i].in, errors[i].msg);

	CASE("stream, max_completion_tokens, no cap") {
		o = base_opts;
		o.stream = 1;
		o.use_max_completion_tokens = 1;
		expect(__LINE__, &o, HEAD MSG "}",
		       "{'model':'up','messages':[" U("'q'") "],'max_completion_tokens':100,'stream':true,'stream_options':{'include_usage':true}}");
		o = base_opts;
		o.max_tokens_cap = 0;
		expect(__LINE__, &o, "{'max_tokens':99999," MSG "}", "{'model':'up','messages':[" U("'q'") "],'max_tokens':99999,'stream':false}");
		expect(__LINE__, &o, "{" MSG "}", "{'model':'up','messages':[" U("'q'") "],'stream':false}");
		/* no model_name: the request's model */
		o.model_name = NULL;
		expect(__LINE__, &o, "{'model':'m\\u00e9'," MSG "}", "{'model':'m\\u00e9','messages':[" U("'q'") "],'stream':false}");
		expect_err(__LINE__, &o, "{" MSG "}", "model: must be a string");
	}
	CASE("config temperature overrides only when set") {
		o = base_opts;
		o.has_temperature = 1;
		o.temperature = 0.6;
		expect(__LINE__, &o, HEAD MSG ",'temperature':1,'top_p':0.9}", OMSG ",'temperature':0.6,'top_p':0.9}");
		expect(__LINE__, &o, HEAD MSG "}", OMSG ",'temperature':0.6}");
		o.temperature = 0;
		expect(__LINE__, &o, HEAD MSG ",'temperature':1}", OMSG ",'temperature':0}");
	}
	CASE("config reasoning_effort wins") {
		o = base_opts;
		o.reasoning_effort = "minimal";
		expect(__LINE__, &o, HEAD MSG ",'thinking':{'type':'disabled'}}", OMSG ",'reasoning_effort':'minimal'}");
		o.reasoning_effort = "none";
		expect(__LINE__, &o, HEAD MSG ",'output_config':{'effort':'high'}}", OMSG ",'reasoning_effort':'none'}");
		o.reasoning_effort = "xhigh";
		expect(__LINE__, &o, HEAD MSG "}", OMSG ",'reasoning_effort':'xhigh'}");
		o.reasoning_effort = "max";
		expect(__LINE__, &o, HEAD MSG "}", OMSG ",'reasoning_effort':'high'}");
		o.reasoning_effort = "";
		expect(__LINE__, &o, HEAD MSG "}", OMSG "}");
	}
	CASE("extra_body deep-merged last") {
		o = base_opts;
		o.stream = 1;
		o.extra_body = "{\"stream_options\":{\"x\":1,\"include_usage\":false},\"top_k\":20,"
		               "\"chat_template_kwargs\":{\"thinking\":true},\"max_tokens\":null,\"top_k\":30}";
		expect(__LINE__, &o, HEAD MSG ",'temperature':0.5}",
		       "{'model':'up','messages':[" U("'q'") "],'max_tokens':null,'stream':true,"
		       "'stream_options':{'include_usage':false,'x':1},'temperature':0.5,"
		       "'chat_template_kwargs':{'thinking':true},'top_k':30}");
		/* a non-object replaces an object and vice versa; nested merge */
		o.extra_body = "{\"messages\":\"gone\",\"stream\":{\"a\":{\"b\":1}},\"response_format\":{\"json_schema\":{\"strict\":true}}}";
		expect(__LINE__, &o, HEAD MSG ",'output_format':{'type':'json_schema','schema':{}}}",
		       "{'model':'up','messages':'gone','max_tokens':100,'stream':{'a':{'b':1}},'stream_options':{'include_usage':true},"
		       "'response_format':{'type':'json_schema','json_schema':{'name':'output','schema':{},'strict':true}}}");
		o.extra_body = "{}";
		expect(__LINE__, &o, HEAD MSG "}",
		       "{'model':'up','messages':[" U("'q'") "],'max_tokens':100,'stream':true,'stream_options':{'include_usage':true}}");
		o.extra_body = "[1]";
		expect_err(__LINE__, &o, HEAD MSG "}", "extra_body: must be a JSON object");
	}
	CASE("appends to out; out's cap is an error") {
		char err[100];
		struct buf out;
		const char *in = "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}";
		buf_init(&out, 1 << 16);
		buf_puts(&out, "pre:");
		CHECK(xl_anth_to_oai(str_cstr(in), &base_opts, &out, err, sizeof(err)) == 0, "%s", err);
		CHECK(buf_len(&out) > 4 && memcmp(buf_data(&out), "pre:{", 5) == 0, "prefix kept");
		CHECK(json_validate(buf_data(&out) + 4, buf_len(&out) - 4, NULL) == 0, "valid");
		buf_free(&out);
		buf_init(&out, 20);
		buf_puts(&out, "pre:");
		CHECK(xl_anth_to_oai(str_cstr(in), &base_opts, &out, err, sizeof(err)) == -1, "cap");
		CHECK(strcmp(err, "converted request too large") == 0, "%s", err);
		CHECK(out.err == BUF_TOOBIG && buf_len(&out) == 4, "err %d len %zu", out.err, buf_len(&out));
		buf_free(&out);
		/* a tiny err buffer is still terminated */
		buf_init(&out, 1 << 16);
		CHECK(xl_anth_to_oai(str_cstr("{}"), &base_opts, &out, err, 5) == -1 && strcmp(err, "mess") == 0, "%s", err);
		CHECK(xl_anth_to_oai(str_cstr("{}"), &base_opts, &out, NULL, 0) == -1, "no err buffer");
		CHECK(xl_anth_to_oai(STR_NULL, &base_opts, &out, err, sizeof(err)) == -1, "NULL body");
		CHECK(xl_anth_to_oai(str_cstr("{\"messages\":[]}"), NULL, &out, err, sizeof(err)) == -1 &&
		      strcmp(err, "no conversion options") == 0, "%s", err);
		buf_free(&out);
	}
	CASE("many tool calls and results stay paired (no quadratic walk)") {
		enum { N = 3000 };
		struct buf in, out;
		char err[100];
		struct json j;
		buf_init(&in, 1 << 24);
		buf_init(&out, 1 << 24);
		buf_puts(&in, "{\"messages\":[{\"role\":\"user\",\"content\":\"go\"},{\"role\":\"assistant\",\"content\":[");
		for (int i = 0; i < N; i++)
			buf_printf(&in, "%s{\"type\":\"tool_use\",\"id\":\"id%d\",\"name\":\"f\",\"input\":{}}", i ? "," : "", i);
		buf_puts(&in, "]},{\"role\":\"user\",\"content\":[");
		for (int i = N - 1; i >= 0; i -= 2) /* every other one, reversed */
			buf_printf(&in, "%s{\"type\":\"tool_result\",\"tool_use_id\":\"id%d\",\"content\":\"r%d\"}", i != N - 1 ? "," : "", i, i);
		buf_puts(&in, "]}]}");
		CHECK(xl_anth_to_oai(buf_str(&in), &base_opts, &out, err, sizeof(err)) == 0, "%s", err);
		CHECK(json_parse(&j, buf_data(&out), buf_len(&out)) == 0, "parse");
		int msgs = json_get(&j, 0, "messages"), e = msgs + 1;
		CHECK(json_count(&j, msgs) == 2 + N, "count %d", json_count(&j, msgs));
		e = json_skip(&j, json_skip(&j, e)); /* user, assistant */
		for (int i = 0; i < N && e < j.n; i++, e = json_skip(&j, e)) {
			char id[16], c[16];
			snprintf(id, sizeof(id), "id%d", i);
			snprintf(c, sizeof(c), "r%d", i);
			if (!json_str_eq(&j, json_get(&j, e, "tool_call_id"), id) ||
			    !json_str_eq(&j, json_get(&j, e, "content"), i % 2 ? c : PH)) {
				CHECK(0, "tool message %d", i);
				break;
			}
		}
		json_free(&j);
		buf_free(&in);
		buf_free(&out);
	}
	return t_done("xl_anth_oai");
}
