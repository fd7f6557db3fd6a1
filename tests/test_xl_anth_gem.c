/* test_xl_anth_gem.c: Anthropic Messages request -> Gemini
 * GenerateContentRequest. Every expected body is written out in full; in
 * the tables a single quote stands for a double quote. */
#include "xl_anth_gem.h"

#include <stdio.h>
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

static const struct xl_gem_opts base_opts = { 4096, 0, 0.0, NULL, "gemini-2.5-flash", NULL, NULL };

/* Convert in (quoted) with o; the output must be want (quoted) and valid JSON. */
static void expect(int line, const struct xl_gem_opts *o, const char *in, const char *want)
{
	char *qi = q(in), *qw = q(want), err[200];
	struct buf out;
	struct gem_names names = { 0, NULL, NULL };
	int rc;
	buf_init(&out, 1 << 20);
	rc = xl_anth_to_gem(str_cstr(qi), o, &out, &names, err, sizeof(err));
	CHECK(rc == 0, "line %d: rc %d err '%s'", line, rc, err);
	if (rc == 0) {
		CHECK(json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "line %d: invalid JSON", line);
		CHECK(buf_len(&out) == strlen(qw) && memcmp(buf_data(&out), qw, strlen(qw)) == 0,
		      "line %d:\n got  %.*s\n want %s", line, (int)buf_len(&out), buf_data(&out), qw);
		/* the same with the caller's parse handed over (o->parsed) */
		struct json pj;
		struct xl_gem_opts po = *o;
		struct gem_names pn = { 0, NULL, NULL };
		CHECK(json_parse(&pj, qi, strlen(qi)) == 0, "line %d: parse", line);
		po.parsed = &pj;
		buf_reset(&out);
		CHECK(xl_anth_to_gem(str_cstr(qi), &po, &out, &pn, err, sizeof(err)) == 0 &&
		              buf_len(&out) == strlen(qw) && memcmp(buf_data(&out), qw, strlen(qw)) == 0,
		      "line %d: parsed differs", line);
		gem_names_free(&pn);
		json_free(&pj);
	}
	gem_names_free(&names);
	buf_free(&out);
	free(qi);
	free(qw);
}

/* Convert in (quoted); must fail with exactly msg and leave out untouched. */
static void expect_err(int line, const struct xl_gem_opts *o, const char *in, const char *msg)
{
	char *qi = q(in), err[200];
	struct buf out;
	struct gem_names names = { 0, NULL, NULL };
	int rc;
	buf_init(&out, 1 << 20);
	buf_puts(&out, "keep");
	rc = xl_anth_to_gem(str_cstr(qi), o, &out, &names, err, sizeof(err));
	CHECK(rc == -1, "line %d: rc %d", line, rc);
	CHECK(strcmp(err, msg) == 0, "line %d:\n got  %s\n want %s", line, err, msg);
	CHECK(buf_len(&out) == 4 && memcmp(buf_data(&out), "keep", 4) == 0, "line %d: out changed: %.*s", line,
	      (int)buf_len(&out), buf_data(&out));
	gem_names_free(&names);
	buf_free(&out);
	free(qi);
}

#define HEAD "{'model':'claude-x','max_tokens':100,"
#define GC "'generationConfig':{'maxOutputTokens':100}}"
#define U(c) "{'role':'user','content':" c "}"
#define A(c) "{'role':'assistant','content':" c "}"
#define CU(p) "{'role':'user','parts':[" p "]}"
#define CM(p) "{'role':'model','parts':[" p "]}"
#define HI CU("{'text':'hi'}")

struct row {
	int line;
	const char *in, *want;
};

/* ---- contents and system ----------------------------------------------------------- */

static const struct row basic[] = {
	/* minimal; model, stream, metadata, context_management and unknown fields dropped */
	{ __LINE__,
	  HEAD "'stream':true,'metadata':{'user_id':'u'},'context_management':{'edits':[]},'safeguards':[],'zzz':1,"
	       "'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "]," GC },
	/* system string */
	{ __LINE__, HEAD "'system':'Be brief.','messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "],'systemInstruction':{'parts':[{'text':'Be brief.'}]}," GC },
	/* system blocks (billing header and empty ones dropped) then system messages, in order;
	 * the users around a system message merge */
	{ __LINE__,
	  HEAD "'system':[{'type':'text','text':'x-anthropic-billing-header: cc_version=2.1.330.d01; cc_entrypoint=sdk-cli;'},"
	       "{'type':'text','text':'One.','cache_control':{'type':'ephemeral'}},{'type':'text','text':''},{'type':'text','text':'Two.'}],"
	       "'messages':[" U("'a'") ",{'role':'system','content':'env','output_config':{'effort':'low'}}," U("'b'")
	       ",{'role':'system','content':[{'type':'text','text':'s1'},{'type':'image','source':{'type':'url','url':'u'}},"
	       "{'type':'text','text':'s2','cache_control':{'type':'ephemeral'}}]}]}",
	  "{'contents':[" CU("{'text':'a'},{'text':'b'}") "],'systemInstruction':{'parts':[{'text':'One.\\n\\nTwo.\\n\\nenv\\n\\ns1\\n\\ns2'}]},"
	  "'generationConfig':{'maxOutputTokens':100}}" },
	/* the header is found when spelled with escapes; only it: no systemInstruction */
	{ __LINE__,
	  HEAD "'system':[{'type':'text','text':'x\\u002danthropic-billing-header: a'}],'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "]," GC },
	/* a system message keeps a billing-like text (only the top-level header is dropped) */
	{ __LINE__,
	  HEAD "'messages':[" U("'hi'") ",{'role':'system','content':[{'type':'text','text':'x-anthropic-billing-header: k'}]}]}",
	  "{'contents':[" HI "],'systemInstruction':{'parts':[{'text':'x-anthropic-billing-header: k'}]}," GC },
	/* empty messages give nothing; same roles merge across them */
	{ __LINE__,
	  HEAD "'messages':[" U("''") "," U("[]") "," U("'a'") "," A("''") "," A("[{'type':'redacted_thinking','data':'x'}]") ","
	       U("'b'") "," A("'c'") "," A("[{'type':'text','text':'d','citations':[]}]") "]}",
	  "{'contents':[" CU("{'text':'a'},{'text':'b'}") "," CM("{'text':'c'},{'text':'d'}") "]," GC },
	/* images: base64, URLs with a guessed MIME type or none, file ids and empty data dropped */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'text','text':'look','cache_control':{'type':'ephemeral'}},"
	                        "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBOR'}},"
	                        "{'type':'image','source':{'type':'url','url':'https://x/a.JPG?s=1.png#f'}},"
	                        "{'type':'image','source':{'type':'url','url':'https://h.png/img'}},"
	                        "{'type':'image','source':{'type':'url','url':'https:\\/\\/x\\/b.webp'}},"
	                        "{'type':'image','source':{'type':'file','file_id':'f1'}},"
	                        "{'type':'image','source':{'type':'base64','media_type':'image/png','data':''}}]") "]}",
	  "{'contents':[" CU("{'text':'look'},{'inlineData':{'mimeType':'image/png','data':'iVBOR'}},"
	                     "{'fileData':{'mimeType':'image/jpeg','fileUri':'https://x/a.JPG?s=1.png#f'}},"
	                     "{'fileData':{'fileUri':'https://h.png/img'}},"
	                     "{'fileData':{'mimeType':'image/webp','fileUri':'https:\\/\\/x\\/b.webp'}}") "]," GC },
	/* documents: text, base64 (PDF), url; other sources and block types dropped */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'document','source':{'type':'text','media_type':'text/plain','data':'doc'}},"
	                        "{'type':'document','source':{'type':'base64','media_type':'application/pdf','data':'JVBE'}},"
	                        "{'type':'document','source':{'type':'url','url':'https://x/a.pdf'}},"
	                        "{'type':'document','source':{'type':'content','content':[]}},{'type':'document'},"
	                        "{'type':'search_result','source':'s','title':'t','content':[]}]") "]}",
	  "{'contents':[" CU("{'text':'doc'},{'inlineData':{'mimeType':'application/pdf','data':'JVBE'}},"
	                     "{'fileData':{'mimeType':'application/pdf','fileUri':'https://x/a.pdf'}}") "]," GC },
	/* images, thinking and tool_use have no place in the other role */
	{ __LINE__,
	  HEAD "'messages':[" U("[{'type':'text','text':'q'},{'type':'thinking','thinking':'t','signature':'s'},"
	                        "{'type':'tool_use','id':'i','name':'n','input':{}}]") ","
	       A("[{'type':'image','source':{'type':'base64','media_type':'image/png','data':'AA'}},{'type':'text','text':'r'},"
	         "{'type':'server_tool_use','id':'s','name':'web_search','input':{}}]") "]}",
	  "{'contents':[" CU("{'text':'q'}") "," CM("{'text':'r'}") "]," GC },
	/* strings are copied as the client wrote them */
	{ __LINE__, HEAD "'messages':[" U("'caf\\u00e9 \\ud83d\\ude00 \\/'") "]}",
	  "{'contents':[" CU("{'text':'caf\\u00e9 \\ud83d\\ude00 \\/'}") "]," GC },
};

/* ---- tools ------------------------------------------------------------------------- */

static const struct row tools[] = {
	/* a Claude Code tool turn: thinking, text, tool_use; result and reminder text */
	{ __LINE__,
	  HEAD "'messages':[" U("'list'") ","
	       A("[{'type':'thinking','thinking':'Let me list.','signature':'c2ln+/='},{'type':'text','text':'Listing.'},"
	         "{'type':'tool_use','id':'toolu_1','name':'Bash','input':{'command':'ls'}}]") ","
	       U("[{'tool_use_id':'toolu_1','type':'tool_result','content':'a.txt','is_error':false,'cache_control':{'type':'ephemeral'}},"
	         "{'type':'text','text':'<system-reminder>x</system-reminder>'}]") "]}",
	  "{'contents':[" CU("{'text':'list'}") ","
	  CM("{'text':'Let me list.','thought':true,'thoughtSignature':'c2ln+/='},{'text':'Listing.'},"
	     "{'functionCall':{'name':'Bash','args':{'command':'ls'},'id':'toolu_1'}}") ","
	  CU("{'functionResponse':{'name':'Bash','id':'toolu_1','response':{'output':'a.txt'}}},{'text':'<system-reminder>x</system-reminder>'}")
	  "]," GC },
	/* parallel calls; results in their own order; error with blocks and an image; no content */
	{ __LINE__,
	  HEAD "'messages':[" U("'go'") ","
	       A("[{'type':'tool_use','id':'t1','name':'Read','input':{'file_path':'/a'}},{'type':'tool_use','id':'t2','name':'Glob'}]") ","
	       U("[{'type':'tool_result','tool_use_id':'t2'},{'type':'tool_result','tool_use_id':'t1','is_error':true,'content':["
	         "{'type':'text','text':'no'},{'type':'image','source':{'type':'base64','media_type':'image/gif','data':'R0lG'}},"
	         "{'type':'tool_reference','tool_name':'X'},{'type':'text','text':'such file'}]}]") "]}",
	  "{'contents':[" CU("{'text':'go'}") ","
	  CM("{'functionCall':{'name':'Read','args':{'file_path':'/a'},'id':'t1'}},{'functionCall':{'name':'Glob','args':{},'id':'t2'}}") ","
	  CU("{'functionResponse':{'name':'Glob','id':'t2','response':{'output':''}}},"
	     "{'functionResponse':{'name':'Read','id':'t1','response':{'error':'no\\n\\nsuch file'}}},"
	     "{'inlineData':{'mimeType':'image/gif','data':'R0lG'}}") "]," GC },
	/* a result found by an escaped id, a call made earlier in the conversation */
	{ __LINE__,
	  HEAD "'messages':[" A("[{'type':'tool_use','id':'a/b','name':'F','input':{}}]") "," U("'x'") ","
	       U("[{'type':'tool_result','tool_use_id':'a\\/b','content':[{'type':'text','text':'r'}]}]") "]}",
	  "{'contents':[" CM("{'functionCall':{'name':'F','args':{},'id':'a/b'}}") ","
	  CU("{'text':'x'},{'functionResponse':{'name':'F','id':'a\\/b','response':{'output':'r'}}}") "]," GC },
	/* names made legal everywhere; an empty schema sends no parameters; tool_choice tool */
	{ __LINE__,
	  HEAD "'tools':[{'name':'mcp__srv__do thing','description':'Does.','input_schema':{'type':'object','properties':{'a':{'type':'string'}}}},"
	       "{'name':'1st','input_schema':{'type':'object','properties':{},'additionalProperties':false}}],"
	       "'tool_choice':{'type':'tool','name':'1st'},'messages':[" U("'q'") ","
	       A("[{'type':'tool_use','id':'x1','name':'mcp__srv__do thing','input':{'a':'b'}}]") ","
	       U("[{'type':'tool_result','tool_use_id':'x1','content':'ok'}]") "]}",
	  "{'contents':[" CU("{'text':'q'}") "," CM("{'functionCall':{'name':'mcp__srv__do_thing','args':{'a':'b'},'id':'x1'}}") ","
	  CU("{'functionResponse':{'name':'mcp__srv__do_thing','id':'x1','response':{'output':'ok'}}}") "],"
	  "'tools':[{'functionDeclarations':[{'name':'mcp__srv__do_thing','description':'Does.','parameters':{'type':'object','properties':{'a':{'type':'string'}}}},"
	  "{'name':'_1st'}]}],'toolConfig':{'functionCallingConfig':{'mode':'ANY','allowedFunctionNames':['_1st']}}," GC },
	/* server tools dropped; defer_loading and cache_control dropped; auto */
	{ __LINE__,
	  HEAD "'tools':[{'type':'web_search_20250305','name':'web_search','max_uses':5},"
	       "{'name':'T','input_schema':{'$schema':'x','type':'object','properties':{'x':{'type':'integer','exclusiveMinimum':0}},'required':['x']},"
	       "'defer_loading':true,'cache_control':{'type':'ephemeral'}}],"
	       "'tool_choice':{'type':'auto','disable_parallel_tool_use':true},'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "],'tools':[{'functionDeclarations':[{'name':'T','parameters':{'type':'object','properties':"
	  "{'x':{'type':'integer','description':'(> 0)'}},'required':['x']}}]}],'toolConfig':{'functionCallingConfig':{'mode':'AUTO'}}," GC },
	{ __LINE__,
	  HEAD "'tools':[{'name':'T','input_schema':{'type':'object'}}],'tool_choice':{'type':'any'},'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "],'tools':[{'functionDeclarations':[{'name':'T'}]}],'toolConfig':{'functionCallingConfig':{'mode':'ANY'}}," GC },
	{ __LINE__,
	  HEAD "'tools':[{'name':'T','input_schema':{'type':'object'}}],'tool_choice':{'type':'none'},'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "],'tools':[{'functionDeclarations':[{'name':'T'}]}],'toolConfig':{'functionCallingConfig':{'mode':'NONE'}}," GC },
	/* no function tools: neither tools nor toolConfig */
	{ __LINE__,
	  HEAD "'tools':[{'type':'web_search_20250305','name':'web_search'}],'tool_choice':{'type':'any'},'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "]," GC },
	{ __LINE__, HEAD "'tools':[],'messages':[" U("'hi'") "]}", "{'contents':[" HI "]," GC },
};

/* ---- thought signatures -------------------------------------------------------------- */

static const struct row sigs[] = {
	/* a GEM_SIG_PREFIX marker goes on the next call; one left at the end on an empty text */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ","
	       A("[{'type':'thinking','thinking':'','signature':'gemini-fc:SIG1'},{'type':'tool_use','id':'c1','name':'f','input':{}},"
	         "{'type':'thinking','thinking':'','signature':'gemini-fc:SIG2'}]") ","
	       U("[{'type':'tool_result','tool_use_id':'c1','content':'r'}]") "]}",
	  "{'contents':[" CU("{'text':'q'}") ","
	  CM("{'functionCall':{'name':'f','args':{},'id':'c1'},'thoughtSignature':'SIG1'},{'text':'','thoughtSignature':'SIG2'}") ","
	  CU("{'functionResponse':{'name':'f','id':'c1','response':{'output':'r'}}}") "]," GC },
	/* thought parts do not take it; a text part does; an escaped prefix; empty texts skipped */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ","
	       A("[{'type':'thinking','thinking':'','signature':'gemini-fc:S1'},{'type':'thinking','thinking':'hmm','signature':'T1'},"
	         "{'type':'text','text':'ans'},{'type':'thinking','signature':'T2'},"
	         "{'type':'thinking','thinking':'','signature':'gemini\\u002dfc:S\\/2'},{'type':'text','text':''},{'type':'text','text':'more'},"
	         "{'type':'thinking','thinking':'','signature':''},{'type':'thinking','thinking':'no sig'},"
	         "{'type':'thinking','thinking':'','signature':'gemini-fc:'}]") "]}",
	  "{'contents':[" CU("{'text':'q'}") ","
	  CM("{'text':'hmm','thought':true,'thoughtSignature':'T1'},{'text':'ans','thoughtSignature':'S1'},"
	     "{'text':'','thought':true,'thoughtSignature':'T2'},{'text':'more','thoughtSignature':'S/2'},{'text':'no sig','thought':true}")
	  "]," GC },
	/* a marker with thinking text: the text is a thought part, the signature waits */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") ","
	       A("[{'type':'thinking','thinking':'plan','signature':'gemini-fc:Z'},{'type':'tool_use','id':'c9','name':'g','input':{'k':[1, 2]}}]") "]}",
	  "{'contents':[" CU("{'text':'q'}") ","
	  CM("{'text':'plan','thought':true},{'functionCall':{'name':'g','args':{'k':[1, 2]},'id':'c9'},'thoughtSignature':'Z'}") "]," GC },
	/* a marker does not cross into the next message (merged into the same turn) */
	{ __LINE__,
	  HEAD "'messages':[" U("'q'") "," A("[{'type':'thinking','thinking':'','signature':'gemini-fc:P'}]") ","
	       A("[{'type':'text','text':'x'}]") "]}",
	  "{'contents':[" CU("{'text':'q'}") "," CM("{'text':'','thoughtSignature':'P'},{'text':'x'}") "]," GC },
};

/* ---- generation config --------------------------------------------------------------- */

static const struct row config[] = {
	/* sampling as written; stop sequences cut to Gemini's 5 */
	{ __LINE__,
	  HEAD "'temperature':0.70,'top_p':0.9,'top_k':40,'stop_sequences':['a','b','c','d','e','f'],'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "],'generationConfig':{'temperature':0.70,'topP':0.9,'topK':40,'maxOutputTokens':100,"
	  "'stopSequences':['a','b','c','d','e']}}" },
	{ __LINE__, HEAD "'stop_sequences':[],'messages':[" U("'hi'") "]}", "{'contents':[" HI "]," GC },
	/* max_tokens capped; absent -> the cap */
	{ __LINE__, "{'max_tokens':100000,'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "],'generationConfig':{'maxOutputTokens':4096}}" },
	{ __LINE__, "{'messages':[" U("'hi'") "]}", "{'contents':[" HI "],'generationConfig':{'maxOutputTokens':4096}}" },
	/* Claude Code's title request: structured output, effort medium, no tools */
	{ __LINE__,
	  "{'model':'m','messages':[" U("'Hello'") "],'system':[{'type':'text','text':'Title it.'}],'tools':[],"
	  "'max_tokens':32000,'output_config':{'effort':'medium','format':{'type':'json_schema','schema':{'type':'object',"
	  "'properties':{'title':{'type':'string'}},'required':['title'],'additionalProperties':false}}},'stream':true}",
	  "{'contents':[" CU("{'text':'Hello'}") "],'systemInstruction':{'parts':[{'text':'Title it.'}]},"
	  "'generationConfig':{'maxOutputTokens':4096,'responseMimeType':'application/json','responseSchema':{'type':'object',"
	  "'properties':{'title':{'type':'string'}},'required':['title']},'thinkingConfig':{'thinkingBudget':8192,'includeThoughts':true}}}" },
	/* the beta's output_format; a format that is not json_schema is ignored */
	{ __LINE__,
	  HEAD "'output_format':{'type':'json_schema','schema':{'type':'array','items':{'const':'x'}}},'messages':[" U("'hi'") "]}",
	  "{'contents':[" HI "],'generationConfig':{'maxOutputTokens':100,'responseMimeType':'application/json',"
	  "'responseSchema':{'type':'array','items':{'type':'string','enum':['x']}}}}" },
	{ __LINE__, HEAD "'output_config':{'format':{'type':'text'}},'messages':[" U("'hi'") "]}", "{'contents':[" HI "]," GC },
};

/* ---- thinking ------------------------------------------------------------------------ */

struct think_row {
	int line;
	const char *model, *effort;   /* options */
	const char *fields;           /* request fields before messages */
	const char *last;             /* extra fields on the last message, or "" */
	const char *want;             /* generationConfig after maxOutputTokens */
};

#define TB(n, inc) ",'thinkingConfig':{'thinkingBudget':" #n ",'includeThoughts':" #inc "}"
#define TL(l, inc) ",'thinkingConfig':{'thinkingLevel':'" l "','includeThoughts':" #inc "}"

static const struct think_row thinking[] = {
	{ __LINE__, "gemini-2.5-flash", NULL, "", "", "" },
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'enabled','budget_tokens':2048},", "", TB(2048, true) },
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'enabled','budget_tokens':31999},", "", TB(24576, true) },
	{ __LINE__, "gemini-2.5-pro", NULL, "'thinking':{'type':'enabled','budget_tokens':31999},", "", TB(31999, true) },
	{ __LINE__, "gemini-2.5-pro", NULL, "'thinking':{'type':'enabled','budget_tokens':64000},", "", TB(32768, true) },
	{ __LINE__, "gemini-2.5-pro", NULL, "'thinking':{'type':'enabled','budget_tokens':-5},", "", TB(128, true) },
	/* off: 0, but 2.5 Pro cannot: its minimum */
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'disabled'},", "", TB(0, false) },
	{ __LINE__, "models/gemini-2.5-pro-preview-06-05", NULL, "'thinking':{'type':'disabled'},", "", TB(128, false) },
	/* adaptive: dynamic; efforts */
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'adaptive','display':'omitted'},", "", TB(-1, true) },
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'adaptive'},'output_config':{'effort':'low'},", "", TB(1024, true) },
	{ __LINE__, "gemini-2.5-flash", NULL, "'output_config':{'effort':'medium'},", "", TB(8192, true) },
	{ __LINE__, "gemini-2.5-flash", NULL, "'output_config':{'effort':'high'},", "", TB(24576, true) },
	{ __LINE__, "gemini-2.5-flash", NULL, "'output_config':{'effort':'max'},", "", TB(-1, true) },
	/* an unknown effort word is ignored */
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'adaptive'},'output_config':{'effort':'turbo'},", "", TB(-1, true) },
	/* the last message's output_config wins, then the top level, then the budget */
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'enabled','budget_tokens':2000},'output_config':{'effort':'low'},",
	  ",'output_config':{'effort':'high'}", TB(24576, true) },
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'enabled','budget_tokens':2000},'output_config':{'effort':'low'},",
	  "", TB(1024, true) },
	/* disabled wins over efforts; the config wins over everything */
	{ __LINE__, "gemini-2.5-flash", NULL, "'thinking':{'type':'disabled'},'output_config':{'effort':'high'},", "", TB(0, false) },
	{ __LINE__, "gemini-2.5-flash", "none", "'thinking':{'type':'enabled','budget_tokens':9000},", "", TB(0, false) },
	{ __LINE__, "gemini-2.5-flash", "minimal", "", "", TB(0, false) },
	{ __LINE__, "gemini-2.5-flash", "medium", "'thinking':{'type':'disabled'},", "", TB(8192, true) },
	{ __LINE__, "gemini-2.5-flash", "xhigh", "", "", TB(-1, true) },
	{ __LINE__, "gemini-2.5-flash", "bogus", "'output_config':{'effort':'low'},", "", TB(1024, true) },
	/* Gemini 3: levels */
	{ __LINE__, "gemini-3-pro-preview", NULL, "'thinking':{'type':'adaptive'},", "", TL("high", true) },
	{ __LINE__, "gemini-3-pro-preview", NULL, "'output_config':{'effort':'low'},", "", TL("low", true) },
	{ __LINE__, "gemini-3-pro-preview", NULL, "'output_config':{'effort':'medium'},", "", TL("high", true) },
	{ __LINE__, "gemini-3-pro-preview", NULL, "'thinking':{'type':'disabled'},", "", TL("low", false) },
	{ __LINE__, "gemini-3.1-flash", NULL, "'thinking':{'type':'enabled','budget_tokens':2048},", "", TL("low", true) },
	{ __LINE__, "gemini-3.1-flash", NULL, "'thinking':{'type':'enabled','budget_tokens':8192},", "", TL("high", true) },
	{ __LINE__, "models/gemini-10-ultra", "minimal", "", "", TL("low", false) },
	{ __LINE__, "gemini-3-flash", "max", "", "", TL("high", true) },
	/* not a 3.x name: budgets */
	{ __LINE__, "gemini-exp-1206", NULL, "'thinking':{'type':'adaptive'},", "", TB(-1, true) },
	{ __LINE__, NULL, NULL, "'thinking':{'type':'enabled','budget_tokens':5000},", "", TB(5000, true) },
};

static void run_thinking(void)
{
	CASE("thinking")
	{
		for (size_t i = 0; i < sizeof(thinking) / sizeof(thinking[0]); i++) {
			const struct think_row *r = &thinking[i];
			struct xl_gem_opts o = base_opts;
			char in[1024], want[1024];
			o.model_name = r->model;
			o.reasoning_effort = r->effort;
			snprintf(in, sizeof(in), "{'max_tokens':100,%s'messages':[{'role':'user','content':'hi'%s}]}", r->fields,
			         r->last);
			snprintf(want, sizeof(want), "{'contents':[" HI "],'generationConfig':{'maxOutputTokens':100%s}}", r->want);
			expect(r->line, &o, in, want);
		}
	}
}

/* ---- options ------------------------------------------------------------------------- */

static void run_options(void)
{
	CASE("temperature override")
	{
		struct xl_gem_opts o = base_opts;
		o.has_temperature = 1;
		o.temperature = 0.25;
		expect(__LINE__, &o, HEAD "'temperature':0.9,'messages':[" U("'hi'") "]}",
		       "{'contents':[" HI "],'generationConfig':{'temperature':0.25,'maxOutputTokens':100}}");
	}
	CASE("no cap")
	{
		struct xl_gem_opts o = base_opts;
		o.max_tokens_cap = 0;
		expect(__LINE__, &o, "{'messages':[" U("'hi'") "]}", "{'contents':[" HI "]}");
		expect(__LINE__, &o, "{'max_tokens':128000,'messages':[" U("'hi'") "]}",
		       "{'contents':[" HI "],'generationConfig':{'maxOutputTokens':128000}}");
	}
	CASE("extra_body")
	{
		struct xl_gem_opts o = base_opts;
		o.extra_body = "{\"generationConfig\":{\"thinkingConfig\":{\"thinkingBudget\":0}},\"safetySettings\":[]}";
		expect(__LINE__, &o, HEAD "'thinking':{'type':'adaptive'},'messages':[" U("'hi'") "]}",
		       "{'contents':[" HI "],'generationConfig':{'maxOutputTokens':100,'thinkingConfig':{'thinkingBudget':0,"
		       "'includeThoughts':true}},'safetySettings':[]}");
		o.extra_body = "[1]";
		expect_err(__LINE__, &o, HEAD "'messages':[" U("'hi'") "]}", "extra_body: must be a JSON object");
	}
	CASE("names map")
	{
		struct buf out;
		struct gem_names names = { 0, NULL, NULL };
		char err[128], *in = q(HEAD "'tools':[{'name':'a b','input_schema':{'type':'object'}},{'name':'ok','input_schema':{}}],"
		                            "'messages':[" A("[{'type':'tool_use','id':'1','name':'old.tool','input':{}},"
		                                             "{'type':'tool_use','id':'2','name':'a b','input':{}}]") "]}");
		buf_init(&out, 1 << 16);
		CHECK(xl_anth_to_gem(str_cstr(in), &base_opts, &out, &names, err, sizeof(err)) == 0, "%s", err);
		CHECK(names.n == 3, "n %zu", names.n);
		if (names.n == 3) {
			CHECK(strcmp(names.orig[0], "a b") == 0 && strcmp(names.legal[0], "a_b") == 0, "0: %s %s", names.orig[0],
			      names.legal[0]);
			CHECK(strcmp(names.orig[1], "ok") == 0 && strcmp(names.legal[1], "ok") == 0, "1");
			CHECK(strcmp(names.orig[2], "old.tool") == 0 && strcmp(names.legal[2], "old.tool") == 0, "2");
		}
		gem_names_free(&names);
		buf_free(&out);
		free(in);
	}
	CASE("output cap")
	{
		struct buf out;
		struct gem_names names = { 0, NULL, NULL };
		char err[128], *in = q(HEAD "'messages':[" U("'hello there, this is long enough'") "]}");
		buf_init(&out, 40);
		buf_puts(&out, "ab");
		CHECK(xl_anth_to_gem(str_cstr(in), &base_opts, &out, &names, err, sizeof(err)) == -1, "rc");
		CHECK(out.err == BUF_TOOBIG, "err %d", out.err);
		CHECK(strcmp(err, "converted request too large") == 0, "%s", err);
		CHECK(buf_len(&out) == 2, "restored");
		gem_names_free(&names);
		buf_free(&out);
		free(in);
	}
	CASE("too many tool names")
	{
		struct buf in, out;
		struct gem_names names = { 0, NULL, NULL };
		char err[128];
		buf_init(&in, 1 << 20);
		buf_init(&out, 1 << 20);
		buf_puts(&in, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[");
		for (int i = 0; i <= 4096; i++)
			buf_printf(&in, "%s{\"name\":\"t%d\",\"input_schema\":{}}", i ? "," : "", i);
		buf_puts(&in, "]}");
		CHECK(xl_anth_to_gem(buf_str(&in), &base_opts, &out, &names, err, sizeof(err)) == -1, "rc");
		CHECK(strcmp(err, "more than 4096 distinct tool names") == 0, "%s", err);
		gem_names_free(&names);
		buf_free(&in);
		buf_free(&out);
	}
}

/* ---- a real Claude Code request ----------------------------------------------------------- */

/* The tools value of the output must hold none of the keywords Gemini refuses. */
static void check_claude_code(void)
{
	CASE("claude code 2.1.330 request")
	{
		FILE *f = fopen("tests/fuzz/corpus/xl_anth_gem/claude_code_2.1.330.json", "rb");
		static char body[1 << 20];
		size_t n = 0;
		struct buf out;
		struct gem_names names = { 0, NULL, NULL };
		struct xl_gem_opts o = base_opts;
		char err[128];
		CHECK(f != NULL, "fixture missing (run from the repository root)");
		if (f) {
			n = fread(body, 1, sizeof(body), f);
			fclose(f);
		}
		o.model_name = "gemini-2.5-pro";
		o.max_tokens_cap = 65536;
		buf_init(&out, 4 << 20);
		if (n && xl_anth_to_gem(str_make(body, n), &o, &out, &names, err, sizeof(err)) == 0) {
			struct json j;
			int t, fd, sys, gc;
			CHECK(json_parse(&j, buf_data(&out), buf_len(&out)) == 0, "parse");
			t = json_get(&j, 0, "tools");
			fd = json_get(&j, json_at(&j, t, 0), "functionDeclarations");
			CHECK(json_count(&j, fd) == 12, "declarations %d", json_count(&j, fd));
			CHECK(names.n == 12, "names %zu", names.n);
			{
				struct str s = json_span(&j, t);
				static const char *const banned[] = { "$schema", "additionalProperties", "exclusiveMinimum",
					                              "\"default\"", "\"pattern\"", "propertyNames" };
				for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++) {
					int hit = 0;
					for (size_t k = 0; k + strlen(banned[i]) <= s.n && !hit; k++)
						hit = memcmp(s.p + k, banned[i], strlen(banned[i])) == 0;
					CHECK(!hit, "%s in tools", banned[i]);
				}
			}
			/* DeferredToolPlaceholder (index 10) has no parameters */
			CHECK(json_get(&j, json_at(&j, fd, 10), "parameters") < 0, "placeholder parameters");
			CHECK(json_str_eq(&j, json_get(&j, json_at(&j, fd, 10), "name"), "DeferredToolPlaceholder"), "name 10");
			sys = json_get(&j, json_at(&j, json_get(&j, json_get(&j, 0, "systemInstruction"), "parts"), 0), "text");
			CHECK(json_is_str(&j, sys) && json_raw(&j, sys).n > 9000, "system text");
			CHECK(str_starts(json_raw(&j, sys), "You are a Claude agent"), "billing header dropped");
			gc = json_get(&j, 0, "generationConfig");
			{
				long long v = 0, mx = 0;
				json_int(&j, json_get(&j, json_get(&j, gc, "thinkingConfig"), "thinkingBudget"), &v);
				json_int(&j, json_get(&j, gc, "maxOutputTokens"), &mx);
				CHECK(v == 8192, "effort medium on the last (system) message: %lld", v);
				CHECK(mx == 65536, "cap %lld", mx);
			}
			CHECK(json_count(&j, json_get(&j, 0, "contents")) == 1, "one user turn");
			json_free(&j);
		} else {
			CHECK(0, "conversion failed: %s", n ? err : "empty");
		}
		gem_names_free(&names);
		buf_free(&out);
	}
}

/* ---- errors ------------------------------------------------------------------------- */

static const struct row errors[] = {
	{ __LINE__, "", "request body is not valid JSON (error at byte 0)" },
	{ __LINE__, "[]", "request body must be a JSON object" },
	{ __LINE__, "{}", "messages: required" },
	{ __LINE__, "{'messages':{}}", "messages: must be an array" },
	{ __LINE__, "{'messages':[1]}", "messages.0: must be an object" },
	{ __LINE__, "{'messages':[{'role':'bot','content':'x'}]}",
	  "messages.0.role: must be \"user\", \"assistant\" or \"system\"" },
	{ __LINE__, "{'messages':[{'role':'user','content':1}]}",
	  "messages.0.content: must be a string or an array of content blocks" },
	{ __LINE__, "{'messages':[" U("[1]") "]}", "messages.0.content.0: content block must be an object" },
	{ __LINE__, "{'messages':[" U("[{'text':'x'}]") "]}", "messages.0.content.0: content block needs a string type" },
	{ __LINE__, "{'messages':[" U("[{'type':'text'}]") "]}", "messages.0.content.0: text block needs a string text" },
	{ __LINE__, "{'messages':[" A("[{'type':'tool_use','name':'n'}]") "]}",
	  "messages.0.content.0: tool_use block needs a string id" },
	{ __LINE__, "{'messages':[" A("[{'type':'tool_use','id':'i'}]") "]}",
	  "messages.0.content.0: tool_use block needs a string name" },
	{ __LINE__, "{'messages':[" A("[{'type':'tool_use','id':'i','name':'n','input':[]}]") "]}",
	  "messages.0.content.0: tool_use input must be an object" },
	{ __LINE__, "{'messages':[" U("[{'type':'tool_result'}]") "]}",
	  "messages.0.content.0: tool_result block needs a string tool_use_id" },
	{ __LINE__, "{'messages':[" U("[{'type':'tool_result','tool_use_id':'i','is_error':1}]") "]}",
	  "messages.0.content.0: tool_result is_error must be a boolean" },
	{ __LINE__, "{'messages':[" U("[{'type':'tool_result','tool_use_id':'i','content':5}]") "]}",
	  "messages.0.content.0: tool_result content must be a string or an array of content blocks" },
	{ __LINE__, "{'messages':[" U("[{'type':'tool_result','tool_use_id':'i','content':[{'type':'text'}]}]") "]}",
	  "messages.0.content.0.content.0: text block needs a string text" },
	{ __LINE__, "{'messages':[" U("[{'type':'image'}]") "]}", "messages.0.content.0: image block needs a source object" },
	{ __LINE__, "{'messages':[" U("[{'type':'image','source':{}}]") "]}", "messages.0.content.0: image source needs a string type" },
	{ __LINE__, "{'messages':[" U("[{'type':'image','source':{'type':'base64','data':'x'}}]") "]}",
	  "messages.0.content.0: base64 image source needs string media_type and data" },
	{ __LINE__, "{'messages':[" U("[{'type':'image','source':{'type':'url'}}]") "]}",
	  "messages.0.content.0: url image source needs a string url" },
	{ __LINE__, "{'messages':[" A("[{'type':'thinking','thinking':1}]") "]}",
	  "messages.0.content.0: thinking block needs a string thinking" },
	{ __LINE__, "{'messages':[" A("[{'type':'thinking','thinking':'t','signature':1}]") "]}",
	  "messages.0.content.0: thinking block signature must be a string" },
	/* a result must answer a call of the conversation (a tool_use in a user turn is none) */
	{ __LINE__, "{'messages':[" U("'q'") "," U("[{'type':'text','text':'x'},{'type':'tool_result','tool_use_id':'nope'}]") "]}",
	  "messages.1.content.1: tool_result tool_use_id matches no tool_use block in the conversation" },
	{ __LINE__, "{'messages':[" U("[{'type':'tool_use','id':'x','name':'n','input':{}}]") "," U("[{'type':'tool_result','tool_use_id':'x'}]") "]}",
	  "messages.1.content.0: tool_result tool_use_id matches no tool_use block in the conversation" },
	{ __LINE__, "{'messages':[{'role':'system','content':[1]}]}", "messages.0.content.0: content block must be an object" },
	{ __LINE__, "{'system':5,'messages':[]}", "system: must be a string or an array of text blocks" },
	{ __LINE__, "{'system':[{'type':'text'}],'messages':[]}", "system.0: text block needs a string text" },
	{ __LINE__, "{'max_tokens':'x','messages':[]}", "max_tokens: must be an integer" },
	{ __LINE__, "{'max_tokens':0,'messages':[]}", "max_tokens: must be at least 1" },
	{ __LINE__, "{'temperature':'1','messages':[]}", "temperature: must be a number" },
	{ __LINE__, "{'top_p':true,'messages':[]}", "top_p: must be a number" },
	{ __LINE__, "{'top_k':[],'messages':[]}", "top_k: must be a number" },
	{ __LINE__, "{'stop_sequences':'x','messages':[]}", "stop_sequences: must be an array of strings" },
	{ __LINE__, "{'stop_sequences':['a',1],'messages':[]}", "stop_sequences.1: must be a string" },
	{ __LINE__, "{'tools':{},'messages':[]}", "tools: must be an array" },
	{ __LINE__, "{'tools':[1],'messages':[]}", "tools.0: must be an object" },
	{ __LINE__, "{'tools':[{'name':'n','input_schema':1}],'messages':[]}", "tools.0.input_schema: must be an object" },
	{ __LINE__, "{'tools':[{'input_schema':{}}],'messages':[]}", "tools.0: needs a string name" },
	{ __LINE__, "{'tools':[{'name':'n','description':1,'input_schema':{}}],'messages':[]}",
	  "tools.0.description: must be a string" },
	{ __LINE__, "{'tool_choice':'auto','messages':[]}", "tool_choice: must be an object" },
	{ __LINE__, "{'tool_choice':{},'messages':[]}", "tool_choice.type: must be a string" },
	{ __LINE__, "{'tool_choice':{'type':'some'},'messages':[]}",
	  "tool_choice.type: must be \"auto\", \"any\", \"tool\" or \"none\"" },
	{ __LINE__, "{'tool_choice':{'type':'tool'},'messages':[]}", "tool_choice: type \"tool\" needs a string name" },
	{ __LINE__, "{'tool_choice':{'type':'auto','disable_parallel_tool_use':'y'},'messages':[]}",
	  "tool_choice.disable_parallel_tool_use: must be a boolean" },
	{ __LINE__, "{'thinking':1,'messages':[]}", "thinking: must be an object" },
	{ __LINE__, "{'thinking':{'type':1},'messages':[]}", "thinking.type: must be a string" },
	{ __LINE__, "{'thinking':{'type':'enabled','budget_tokens':1.5},'messages':[]}",
	  "thinking.budget_tokens: must be an integer" },
	{ __LINE__, "{'output_config':1,'messages':[]}", "output_config: must be an object" },
	{ __LINE__, "{'output_config':{'effort':1},'messages':[]}", "output_config.effort: must be a string" },
	{ __LINE__, "{'messages':[{'role':'user','content':'x','output_config':[]}]}", "messages.0.output_config: must be an object" },
	{ __LINE__, "{'output_config':{'format':1},'messages':[]}", "output_config.format: must be an object" },
	{ __LINE__, "{'output_format':1,'messages':[]}", "output_format: must be an object" },
};

int main(void)
{
	CASE("basic")
	{
		for (size_t i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
			expect(basic[i].line, &base_opts, basic[i].in, basic[i].want);
	}
	CASE("tools")
	{
		for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
			expect(tools[i].line, &base_opts, tools[i].in, tools[i].want);
	}
	CASE("thought signatures")
	{
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			expect(sigs[i].line, &base_opts, sigs[i].in, sigs[i].want);
	}
	CASE("generation config")
	{
		for (size_t i = 0; i < sizeof(config) / sizeof(config[0]); i++)
			expect(config[i].line, &base_opts, config[i].in, config[i].want);
	}
	run_thinking();
	run_options();
	check_claude_code();
	CASE("errors")
	{
		for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
			expect_err(errors[i].line, &base_opts, errors[i].in, errors[i].want);
	}
	return t_done("xl_anth_gem");
}
