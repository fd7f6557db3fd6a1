/* test_xl_oai_anth.c: OpenAI Chat Completions request -> Anthropic Messages
 * request. Every expectation is the exact output, written by hand.
 *
 * To keep the tables readable, inputs and expectations are written with '
 * for " (q() swaps them back); a real apostrophe is written \u0027. */
#include "xl_oai_anth.h"

#include <stdlib.h>

#include "json.h"
#include "t.h"

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

#define CAP 8192

/* ---- successful translations ------------------------------------------------------ */

static const struct {
	int line;
	const char *name;
	long long cap;
	const char *in;
	const char *want;
} ok[] = {
	/* -- the openai SDK's typical requests -- */
	{ __LINE__, "simple chat", CAP,
	  "{'model':'gpt-4o','messages':[{'role':'system','content':'Be brief.'},"
	  "{'role':'user','content':'Hi'}]}",
	  "{'model':'claude','max_tokens':8192,'system':[{'type':'text','text':'Be brief.'}],"
	  "'messages':[{'role':'user','content':'Hi'}]}" },
	{ __LINE__, "streaming with include_usage", CAP,
	  "{'messages':[{'role':'user','content':'Hi'}],'model':'gpt-4o-mini','stream':true,"
	  "'stream_options':{'include_usage':true},'max_tokens':100}",
	  "{'model':'claude','max_tokens':100,'messages':[{'role':'user','content':'Hi'}],"
	  "'stream':true}" },
	{ __LINE__, "tool round trip: 2 parallel calls, 2 results, user follow-up", CAP,
	  "{'model':'gpt-4o','messages':["
	  "{'role':'user','content':'Weather in Paris and Rome?'},"
	  "{'role':'assistant','content':null,'tool_calls':["
	  "{'id':'call_1','type':'function','function':{'name':'get_weather',"
	  "'arguments':'{\\'city\\':\\'Paris\\'}'}},"
	  "{'id':'call_2','type':'function','function':{'name':'get_weather',"
	  "'arguments':'{\\'city\\':\\'Rome\\'}'}}]},"
	  "{'role':'tool','tool_call_id':'call_1','content':'18C'},"
	  "{'role':'tool','tool_call_id':'call_2','content':'21C'},"
	  "{'role':'user','content':'Thanks, which is warmer?'}],"
	  "'tools':[{'type':'function','function':{'name':'get_weather',"
	  "'description':'Get the weather','parameters':{'type':'object',"
	  "'properties':{'city':{'type':'string'}},'required':['city']}}}],"
	  "'tool_choice':'auto'}",
	  "{'model':'claude','max_tokens':8192,'messages':["
	  "{'role':'user','content':'Weather in Paris and Rome?'},"
	  "{'role':'assistant','content':["
	  "{'type':'tool_use','id':'call_1','name':'get_weather','input':{'city':'Paris'}},"
	  "{'type':'tool_use','id':'call_2','name':'get_weather','input':{'city':'Rome'}}]},"
	  "{'role':'user','content':["
	  "{'type':'tool_result','tool_use_id':'call_1','content':'18C'},"
	  "{'type':'tool_result','tool_use_id':'call_2','content':'21C'},"
	  "{'type':'text','text':'Thanks, which is warmer?'}]}],"
	  "'tools':[{'name':'get_weather','description':'Get the weather','input_schema':"
	  "{'type':'object','properties':{'city':{'type':'string'}},'required':['city']}}],"
	  "'tool_choice':{'type':'auto'}}" },
	{ __LINE__, "images: data URL and https URL", CAP,
	  "{'model':'gpt-4o','messages':[{'role':'user','content':["
	  "{'type':'text','text':'What is this?'},"
	  "{'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0KGgo=','detail':'high'}},"
	  "{'type':'image_url','image_url':{'url':'https://example.com/a.jpg'}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'text','text':'What is this?'},"
	  "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBORw0KGgo='}},"
	  "{'type':'image','source':{'type':'url','url':'https://example.com/a.jpg'}}]}]}" },

	/* -- system and developer -- */
	{ __LINE__, "developer first, system later: both to system, in order", CAP,
	  "{'model':'m','messages':[{'role':'developer','content':'A'},{'role':'user','content':'u1'},"
	  "{'role':'assistant','content':'a1'},{'role':'system','content':'B'},"
	  "{'role':'user','content':'u2'}]}",
	  "{'model':'claude','max_tokens':8192,'system':[{'type':'text','text':'A'},"
	  "{'type':'text','text':'B'}],'messages':[{'role':'user','content':'u1'},"
	  "{'role':'assistant','content':'a1'},{'role':'user','content':'u2'}]}" },
	{ __LINE__, "system text parts, empty dropped, cache_control kept", CAP,
	  "{'model':'m','messages':[{'role':'system','content':[{'type':'text','text':'P1'},"
	  "{'type':'text','text':''},{'type':'text','text':'P2','cache_control':{'type':'ephemeral'}}]},"
	  "{'role':'system','content':''},{'role':'user','content':'x'}]}",
	  "{'model':'claude','max_tokens':8192,'system':[{'type':'text','text':'P1'},"
	  "{'type':'text','text':'P2','cache_control':{'type':'ephemeral'}}],"
	  "'messages':[{'role':'user','content':'x'}]}" },
	{ __LINE__, "a system message between users is transparent: the users merge", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'a'},{'role':'system','content':'S'},"
	  "{'role':'user','content':'b'}]}",
	  "{'model':'claude','max_tokens':8192,'system':[{'type':'text','text':'S'}],"
	  "'messages':[{'role':'user','content':[{'type':'text','text':'a'},"
	  "{'type':'text','text':'b'}]}]}" },

	/* -- user content -- */
	{ __LINE__, "image/jpg is jpeg; scheme and type case-insensitive; \\/ unescaped", CAP,
	  "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'DATA:Image/JPG;base64,ab\\/c+d=='}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'image','source':{'type':'base64','media_type':'image/jpeg','data':'ab/c+d=='}}]}]}" },
	{ __LINE__, "data URL with a parameter; webp; gif; bare-string image_url", CAP,
	  "{'model':'m','messages':[{'role':'user','content':["
	  "{'type':'image_url','image_url':{'url':'data:image/webp;name=a.webp;base64,AAAA'}},"
	  "{'type':'image_url','image_url':'data:image/gif;base64,R0lG'},"
	  "{'type':'image_url','image_url':{'url':'HTTP://x.test/i.png'}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'image','source':{'type':'base64','media_type':'image/webp','data':'AAAA'}},"
	  "{'type':'image','source':{'type':'base64','media_type':'image/gif','data':'R0lG'}},"
	  "{'type':'image','source':{'type':'url','url':'HTTP://x.test/i.png'}}]}]}" },
	{ __LINE__, "image parts: cache_control copied", CAP,
	  "{'model':'m','messages':[{'role':'user','content':["
	  "{'type':'image_url','image_url':{'url':'data:image/png;base64,AAAA'},"
	  "'cache_control':{'type':'ephemeral'}},"
	  "{'type':'image_url','image_url':{'url':'https://x.test/a.png'},'cache_control':{'type':'ephemeral'}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'AAAA'},"
	  "'cache_control':{'type':'ephemeral'}},"
	  "{'type':'image','source':{'type':'url','url':'https://x.test/a.png'},"
	  "'cache_control':{'type':'ephemeral'}}]}]}" },
	{ __LINE__, "user text part cache_control copied; empty part dropped", CAP,
	  "{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':''},"
	  "{'type':'text','text':'t','cache_control':{'type':'ephemeral','ttl':'1h'}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'text','text':'t','cache_control':{'type':'ephemeral','ttl':'1h'}}]}]}" },
	{ __LINE__, "escapes are copied byte for byte", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'caf\\u00e9\\n\\'q\\' \\u0027'}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user',"
	  "'content':'caf\\u00e9\\n\\'q\\' \\u0027'}]}" },

	/* -- merging -- */
	{ __LINE__, "user, user merge into blocks", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'a'},"
	  "{'role':'user','content':[{'type':'text','text':'b'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'text','text':'a'},{'type':'text','text':'b'}]}]}" },
	{ __LINE__, "assistant runs merge; an empty assistant is dropped; refusal parts", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','content':'x'},"
	  "{'role':'assistant','content':''},{'role':'assistant','content':[{'type':'text','text':'y'},"
	  "{'type':'refusal','refusal':'no'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'text','text':'x'},{'type':'text','text':'y'},"
	  "{'type':'text','text':'no'}]}]}" },
	{ __LINE__, "an empty user message between assistants: the assistants merge", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','content':'a'},"
	  "{'role':'user','content':null},{'role':'assistant','content':'b'}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'text','text':'a'},{'type':'text','text':'b'}]}]}" },
	{ __LINE__, "user text before tool results: tool_result blocks go first", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
	  "{'id':'c1','type':'function','function':{'name':'f','arguments':'{}'}}]},"
	  "{'role':'user','content':'note'},{'role':'tool','tool_call_id':'c1','content':'r'}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'c1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'c1','content':'r'},"
	  "{'type':'text','text':'note'}]}]}" },

	/* -- assistant -- */
	{ __LINE__, "assistant refusal field -> text; reasoning_content dropped", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','content':null,"
	  "'refusal':'I cannot','reasoning_content':'hmm'},{'role':'user','content':'ok'},"
	  "{'role':'assistant','content':'fine','reasoning_content':'thought','name':'bot'}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'text','text':'I cannot'}]},"
	  "{'role':'user','content':'ok'},{'role':'assistant','content':'fine'}]}" },
	{ __LINE__, "text and tool calls; arguments '', whitespace, object, null", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'content':'Let me look.','tool_calls':["
	  "{'id':'a','type':'function','function':{'name':'f','arguments':''}},"
	  "{'id':'b','function':{'name':'g','arguments':' \\n '}},"
	  "{'id':'c','type':'function','function':{'name':'h','arguments':{'k':[1,2]}}},"
	  "{'id':'d','type':'function','function':{'name':'i','arguments':null}},"
	  "{'id':'e','type':'function','function':{'name':'j','arguments':' {\\'x\\': \\'\\\\u00e9\\'} '}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'text','text':'Let me look.'},"
	  "{'type':'tool_use','id':'a','name':'f','input':{}},"
	  "{'type':'tool_use','id':'b','name':'g','input':{}},"
	  "{'type':'tool_use','id':'c','name':'h','input':{'k':[1,2]}},"
	  "{'type':'tool_use','id':'d','name':'i','input':{}},"
	  "{'type':'tool_use','id':'e','name':'j','input':{'x': '\\u00e9'}}]}]}" },
	{ __LINE__, "final assistant message (prefill) kept", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','content':'{'}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':'{'}]}" },

	/* -- tool results -- */
	{ __LINE__, "tool content parts -> text blocks; empty content left out", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
	  "{'id':'c1','type':'function','function':{'name':'f','arguments':'{}'}},"
	  "{'id':'c2','type':'function','function':{'name':'f','arguments':'{}'}},"
	  "{'id':'c3','type':'function','function':{'name':'f','arguments':'{}'}}]},"
	  "{'role':'tool','tool_call_id':'c1','content':[{'type':'text','text':'p1'},"
	  "{'type':'text','text':'p2'}]},"
	  "{'role':'tool','tool_call_id':'c2','content':''},"
	  "{'role':'tool','tool_call_id':'c3','content':[{'type':'text','text':''}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'c1','name':'f','input':{}},"
	  "{'type':'tool_use','id':'c2','name':'f','input':{}},"
	  "{'type':'tool_use','id':'c3','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'c1','content':["
	  "{'type':'text','text':'p1'},{'type':'text','text':'p2'}]},"
	  "{'type':'tool_result','tool_use_id':'c2'},{'type':'tool_result','tool_use_id':'c3'}]}]}" },
	{ __LINE__, "foreign tool ids are mapped to [a-zA-Z0-9_-] on both sides", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
	  "{'id':'functions.get:0','type':'function','function':{'name':'get','arguments':'{}'}}]},"
	  "{'role':'tool','tool_call_id':'functions.get:0','content':'r'}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'functions_get_0','name':'get',"
	  "'input':{}}]},{'role':'user','content':[{'type':'tool_result',"
	  "'tool_use_id':'functions_get_0','content':'r'}]}]}" },
	{ __LINE__, "legacy functions, function_call and function messages", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','content':null,"
	  "'function_call':{'name':'f','arguments':'{\\'a\\':1}'}},"
	  "{'role':'function','name':'f','content':'r'}],"
	  "'functions':[{'name':'f','parameters':{'type':'object','properties':{}}}],"
	  "'function_call':{'name':'f'}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'call_fn_1','name':'f',"
	  "'input':{'a':1}}]},{'role':'user','content':[{'type':'tool_result',"
	  "'tool_use_id':'call_fn_1','content':'r'}]}],"
	  "'tools':[{'name':'f','input_schema':{'type':'object','properties':{}}}],"
	  "'tool_choice':{'type':'tool','name':'f'}}" },

	/* -- tools and tool_choice -- */
	{ __LINE__, "tool without parameters; without type; strict dropped; required -> any", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}},"
	  "{'type':'function','function':{'name':'b','parameters':{'properties':{'x':{}}},'strict':true}},"
	  "{'type':'function','function':{'name':'c','description':null,'parameters':null}}],"
	  "'tool_choice':'required'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}},"
	  "{'name':'b','input_schema':{'type':'object','properties':{'x':{}}}},"
	  "{'name':'c','input_schema':{'type':'object','properties':{}}}],"
	  "'tool_choice':{'type':'any'}}" },
	{ __LINE__, "tool_choice none", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],'tool_choice':'none',"
	  "'parallel_tool_calls':false}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}}],"
	  "'tool_choice':{'type':'none'}}" },
	{ __LINE__, "named tool_choice", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],"
	  "'tool_choice':{'type':'function','function':{'name':'a'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}}],"
	  "'tool_choice':{'type':'tool','name':'a'}}" },
	{ __LINE__, "parallel_tool_calls false alone -> auto + disable", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],'parallel_tool_calls':false}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}}],"
	  "'tool_choice':{'type':'auto','disable_parallel_tool_use':true}}" },
	{ __LINE__, "parallel_tool_calls false with required", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],'parallel_tool_calls':false,"
	  "'tool_choice':'required'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}}],"
	  "'tool_choice':{'type':'any','disable_parallel_tool_use':true}}" },
	{ __LINE__, "tool_choice without tools (and an empty tools list) is left out", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':[],"
	  "'tool_choice':'required','parallel_tool_calls':true}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },

	/* -- max_tokens -- */
	{ __LINE__, "max_completion_tokens preferred over max_tokens", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'max_completion_tokens':50,"
	  "'max_tokens':100}",
	  "{'model':'claude','max_tokens':50,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "max_tokens capped", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'max_tokens':100000}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "null max_completion_tokens falls back to max_tokens", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'max_completion_tokens':null,"
	  "'max_tokens':7}",
	  "{'model':'claude','max_tokens':7,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "no cap, no value -> 4096", 0,
	  "{'model':'m','messages':[{'role':'user','content':'q'}]}",
	  "{'model':'claude','max_tokens':4096,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "no cap: the client's value", -1,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'max_tokens':100000}",
	  "{'model':'claude','max_tokens':100000,'messages':[{'role':'user','content':'q'}]}" },

	/* -- sampling, stop, user -- */
	{ __LINE__, "stop string; temperature copied; top_p; user -> metadata", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'stop':'END','temperature':0.7,"
	  "'top_p':0.9,'user':'u-1'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'stop_sequences':['END'],'temperature':0.7,'top_p':0.9,'metadata':{'user_id':'u-1'}}" },
	{ __LINE__, "stop array: whitespace-only and empty dropped; temperature clamped", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'stop':['\\n','','END',' \\t','a b'],"
	  "'temperature':1.5}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'stop_sequences':['END','a b'],'temperature':1}" },
	{ __LINE__, "only whitespace stops -> none; temperature 0 and 2", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'stop':['\\n\\n'],"
	  "'temperature':0,'safety_identifier':'sid'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'temperature':0,'metadata':{'user_id':'sid'}}" },
	{ __LINE__, "dropped fields; n 1; nulls", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'n':1,'seed':42,'logprobs':true,"
	  "'top_logprobs':2,'presence_penalty':0.5,'frequency_penalty':0.1,'logit_bias':{'50256':-100},"
	  "'store':true,'metadata':{'k':'v'},'service_tier':'auto','user':null,'stop':null,"
	  "'temperature':null,'tools':null,'tool_choice':null,'stream':false,'modalities':['text'],"
	  "'audio':null,'response_format':{'type':'text'},'prediction':{'type':'content','content':'x'},"
	  "'verbosity':'low','prompt_cache_key':'k','future_field':{'a':[1]}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },

	/* -- reasoning_effort -- */
	{ __LINE__, "reasoning low fits under the cap", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'low'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':2048}}" },
	{ __LINE__, "reasoning medium raises a small max_tokens to budget + 1024", 32000,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'medium',"
	  "'max_completion_tokens':1000}",
	  "{'model':'claude','max_tokens':9216,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':8192}}" },
	{ __LINE__, "reasoning high over the cap: budget lowered to cap - 1024", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'high'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':7168}}" },
	{ __LINE__, "reasoning xhigh, no cap", 0,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'xhigh'}",
	  "{'model':'claude','max_tokens':33792,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':32768}}" },
	{ __LINE__, "reasoning impossible under a tiny cap: dropped", 1500,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'low'}",
	  "{'model':'claude','max_tokens':1500,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "reasoning minimal and none: no thinking", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'minimal'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "thinking: temperature 0.5 and top_p 0.5 left out", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'low',"
	  "'temperature':0.5,'top_p':0.5}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':2048}}" },
	{ __LINE__, "thinking: temperature 1 and top_p 0.95 kept", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'low',"
	  "'temperature':1,'top_p':0.95}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'temperature':1,'top_p':0.95,'thinking':{'type':'enabled','budget_tokens':2048}}" },
	{ __LINE__, "thinking dropped when tool use is forced", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'low',"
	  "'tools':[{'type':'function','function':{'name':'a'}}],'tool_choice':'required'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}}],"
	  "'tool_choice':{'type':'any'}}" },
	{ __LINE__, "thinking kept when forcing has no tools to force", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'low',"
	  "'tool_choice':'required'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':2048}}" },
	{ __LINE__, "thinking dropped when the last assistant turn holds a tool_use", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
	  "{'id':'c1','type':'function','function':{'name':'f','arguments':'{}'}}]},"
	  "{'role':'tool','tool_call_id':'c1','content':'r'}],'reasoning_effort':'high'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'c1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'c1','content':'r'}]}]}" },
	{ __LINE__, "thinking kept when only an earlier assistant turn used tools", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
	  "{'id':'c1','type':'function','function':{'name':'f','arguments':'{}'}}]},"
	  "{'role':'tool','tool_call_id':'c1','content':'r'},{'role':'assistant','content':'done'},"
	  "{'role':'user','content':'next'}],'reasoning_effort':'low'}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'c1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'c1','content':'r'}]},"
	  "{'role':'assistant','content':'done'},{'role':'user','content':'next'}],"
	  "'thinking':{'type':'enabled','budget_tokens':2048}}" },

	/* -- response_format -- */
	{ __LINE__, "json_schema -> output_config.format", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'response_format':{'type':"
	  "'json_schema','json_schema':{'name':'r','strict':true,'schema':{'type':'object',"
	  "'properties':{'a':{'type':'string'}},'required':['a'],'additionalProperties':false}}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'output_config':{'format':{'type':'json_schema','schema':{'type':'object',"
	  "'properties':{'a':{'type':'string'}},'required':['a'],'additionalProperties':false}}}}" },
	{ __LINE__, "json_object and schema-less json_schema are dropped", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'response_format':{'type':"
	  "'json_object'}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "json_schema without schema", CAP,
	  "{'model':'m','messages':[{'role':'user','content':'q'}],'response_format':{'type':"
	  "'json_schema','json_schema':{'name':'x'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },

	/* -- the key order with everything present -- */
	{ __LINE__, "every output key, in the documented order", 64000,
	  "{'stream':true,'user':'u','response_format':{'type':'json_schema','json_schema':"
	  "{'name':'n','schema':{'type':'object'}}},'reasoning_effort':'medium','top_p':0.99,"
	  "'temperature':1,'stop':['X'],'tool_choice':'auto','tools':[{'type':'function',"
	  "'function':{'name':'t','parameters':{'type':'object'}}}],'max_tokens':20000,"
	  "'messages':[{'role':'system','content':'s'},{'role':'user','content':'q'}],'model':'m'}",
	  "{'model':'claude','max_tokens':20000,'system':[{'type':'text','text':'s'}],"
	  "'messages':[{'role':'user','content':'q'}],'tools':[{'name':'t','input_schema':"
	  "{'type':'object'}}],'tool_choice':{'type':'auto'},'stop_sequences':['X'],"
	  "'temperature':1,'top_p':0.99,'thinking':{'type':'enabled','budget_tokens':8192},"
	  "'output_config':{'format':{'type':'json_schema','schema':{'type':'object'}}},"
	  "'metadata':{'user_id':'u'},'stream':true}" },
};

/* ---- refusals (400) --------------------------------------------------------------------- */

static const struct {
	int line;
	const char *in;
	const char *err; /* a substring of the message */
} bad[] = {
	{ __LINE__, "", "not valid JSON" },
	{ __LINE__, "{'model':'m',", "not valid JSON (at byte 13)" },
	{ __LINE__, "[{'model':'m'}]", "must be a JSON object" },
	{ __LINE__, "{'messages':[{'role':'user','content':'q'}]}", "you must provide a model parameter" },
	{ __LINE__, "{'model':null,'messages':[]}", "you must provide a model parameter" },
	{ __LINE__, "{'model':5,'messages':[]}", "model must be a string" },
	{ __LINE__, "{'model':'a\\u0000b','messages':[]}", "model must not contain NUL" },
	{ __LINE__, "{'model':'m'}", "you must provide a messages parameter" },
	{ __LINE__, "{'model':'m','messages':{}}", "messages must be an array" },
	{ __LINE__, "{'model':'m','messages':[]}", "messages must not be empty" },
	{ __LINE__, "{'model':'m','messages':[1]}", "messages[0] must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'content':'x'}]}", "messages[0].role must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'bot','content':'x'}]}",
	  "messages[1].role 'bot' is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':5}]}",
	  "messages[0].content must be a string or an array of content parts" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':['x']}]}",
	  "messages[0].content[0] must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'text':'x'}]}]}",
	  "messages[0].content[0].type must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':3}]}]}",
	  "messages[0].content[0].text must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'video'}]}]}",
	  "messages[0].content[0].type 'video' is not supported in a user message" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'input_audio',"
	  "'input_audio':{'data':'AAAA','format':'wav'}}]}]}",
	  "messages[0].content[0]: 'input_audio' content is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':'a'},"
	  "{'type':'file','file':{'file_id':'f'}}]}]}",
	  "messages[0].content[1]: 'file' content is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':{}}]}]}",
	  "messages[0].content[0].image_url.url must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url'}]}]}",
	  "messages[0].content[0].image_url.url must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'ftp://x/y.png'}}]}]}",
	  "messages[0].content[0].image_url.url must be an http(s) URL or a data: URL" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'data:image/png;base64'}}]}]}",
	  "messages[0].content[0].image_url.url is not a valid data URL" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'data:image/png,rawbytes'}}]}]}",
	  "must be a base64 data URL" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'data:image/bmp;base64,Qk0='}}]}]}",
	  "image type 'image/bmp' is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'data:;base64,Qk0='}}]}]}",
	  "image type '' is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'data:image/png;base64,ab cd'}}]}]}",
	  "the image data is not valid base64" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'data:image/png;base64,ab=c'}}]}]}",
	  "the image data is not valid base64" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':"
	  "{'url':'data:image/png;base64,'}}]}]}",
	  "the image data is not valid base64" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'content':[{'type':'image_url','image_url':{'url':'https://x/y'}}]}]}",
	  "messages[1].content[0].type 'image_url' is not supported in an assistant message" },
	{ __LINE__, "{'model':'m','messages':[{'role':'system','content':[{'type':'refusal',"
	  "'refusal':'x'}]},{'role':'user','content':'q'}]}",
	  "messages[0].content[0].type 'refusal' is not supported in a system message" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'refusal':5}]}",
	  "messages[1].refusal must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':{}}]}",
	  "messages[1].tool_calls must be an array" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[7]}]}",
	  "messages[1].tool_calls[0] must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[{'id':'c','type':'custom','custom':{'name':'x','input':'y'}}]}]}",
	  "messages[1].tool_calls[0].type 'custom' is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[{'type':'function','function':{'name':'f','arguments':'{}'}}]}]}",
	  "messages[1].tool_calls[0].id must be a non-empty string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[{'id':'','type':'function','function':{'name':'f','arguments':'{}'}}]}]}",
	  "messages[1].tool_calls[0].id must be a non-empty string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[{'id':'c','type':'function'}]}]}",
	  "messages[1].tool_calls[0].function must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[{'id':'c','type':'function','function':{'arguments':'{}'}}]}]}",
	  "messages[1].tool_calls[0].function.name must be a non-empty string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[{'id':'c','type':'function','function':{'name':'f','arguments':'[1]'}}]}]}",
	  "messages[1].tool_calls[0].function.arguments must be a JSON object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[{'id':'c','type':'function','function':{'name':'f','arguments':5}}]}]}",
	  "messages[1].tool_calls[0].function.arguments must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'function_call':{'name':'f','arguments':'{'}}]}",
	  "messages[1].function_call.arguments is not valid JSON" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'function_call':'f'}]}",
	  "messages[1].function_call must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'tool',"
	  "'content':'r'}]}",
	  "messages[1].tool_call_id must be a non-empty string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'tool',"
	  "'tool_call_id':'c','content':5}]}",
	  "messages[1].content must be a string or an array of text parts" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'tool',"
	  "'tool_call_id':'c','content':[{'type':'image_url','image_url':{'url':'https://x'}}]}]}",
	  "messages[1].content[0].type 'image_url' is not supported in a tool message" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'},{'role':'function',"
	  "'name':'f','content':'r'}]}",
	  "messages[1]: a function message must follow an assistant message with a function_call" },
	{ __LINE__, "{'model':'m','messages':[{'role':'system','content':'s'},{'role':'user','content':''}]}",
	  "messages must contain at least one user or assistant message with content" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'stream':'yes'}",
	  "stream must be a boolean" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'stream_options':true}",
	  "stream_options must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'stream':true,"
	  "'stream_options':{'include_usage':1}}",
	  "stream_options.include_usage must be a boolean" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'n':2}",
	  "n > 1 is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'n':0}",
	  "n must be a positive integer" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'max_tokens':0}",
	  "max_tokens must be a positive integer" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'max_tokens':'10'}",
	  "max_tokens must be a positive integer" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'max_completion_tokens':1.5}",
	  "max_completion_tokens must be a positive integer" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'temperature':2.5}",
	  "temperature must be a number between 0 and 2" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'temperature':-0.1}",
	  "temperature must be a number between 0 and 2" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'temperature':'hot'}",
	  "temperature must be a number between 0 and 2" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'top_p':1.01}",
	  "top_p must be a number between 0 and 1" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'stop':5}",
	  "stop must be a string or an array of strings" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'stop':['a',1]}",
	  "stop[1] must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'user':5}",
	  "user must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'safety_identifier':[]}",
	  "safety_identifier must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':{}}",
	  "tools must be an array" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':[1]}",
	  "tools[0] must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'custom','custom':{'name':'x'}}]}",
	  "tools[0].type 'custom' is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function'}]}",
	  "tools[0].function must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':''}}]}",
	  "tools[0].function.name must be a non-empty string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a','description':5}}]}",
	  "tools[0].function.description must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a','parameters':[]}}]}",
	  "tools[0].function.parameters must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'functions':["
	  "{'parameters':{}}]}",
	  "functions[0].name must be a non-empty string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],'tool_choice':'sometimes'}",
	  "tool_choice must be \"none\", \"auto\", \"required\" or a named function" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],'tool_choice':{'type':'allowed_tools',"
	  "'allowed_tools':{'mode':'auto','tools':[]}}}",
	  "tool_choice type 'allowed_tools' is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],'tool_choice':{'type':'function'}}",
	  "tool_choice.function must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],'tool_choice':{'type':'function',"
	  "'function':{}}}",
	  "tool_choice.function.name must be a non-empty string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tools':["
	  "{'type':'function','function':{'name':'a'}}],'tool_choice':{'function':{'name':'a'}}}",
	  "tool_choice.type must be a string" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'functions':{}}",
	  "functions must be an array" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'modalities':'text'}",
	  "modalities must be an array" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'tool_choice':5}",
	  "tool_choice must be a string or an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'functions':["
	  "{'name':'a'}],'function_call':'required'}",
	  "function_call must be \"none\", \"auto\" or {\"name\": ...}" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'parallel_tool_calls':'no'}",
	  "parallel_tool_calls must be a boolean" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'reasoning_effort':'max'}",
	  "reasoning_effort must be one of none, minimal, low, medium, high, xhigh" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'response_format':"
	  "{'type':'xml'}}",
	  "response_format.type must be one of text, json_object, json_schema" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'response_format':"
	  "{'type':'json_schema'}}",
	  "response_format.json_schema must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'response_format':"
	  "{'type':'json_schema','json_schema':{'name':'x','schema':[]}}}",
	  "response_format.json_schema.schema must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'response_format':'json'}",
	  "response_format must be an object" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'modalities':['text','audio']}",
	  "only \"text\" output is supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'audio':{'voice':'alloy',"
	  "'format':'wav'}}",
	  "audio output is not supported" },
	{ __LINE__, "{'model':'m','messages':[{'role':'user','content':'q'}],'web_search_options':{}}",
	  "web_search_options is not supported" },
};

static void run_ok(void)
{
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *in = q(ok[i].in), *want = q(ok[i].want);
		struct xl_anth_opts o = { "claude", ok[i].cap, NULL };
		struct xl_oai_req_info info;
		struct buf out;
		char err[256] = "";
		buf_init(&out, 1 << 20);
		CASE(ok[i].name) {
			int rc = xl_oai_to_anth(str_cstr(in), &o, &out, &info, err, sizeof(err));
			CHECK(rc == 0, "line %d: rc %d (%s)", ok[i].line, rc, err);
			CHECK(rc != 0 || json_validate(buf_data(&out), buf_len(&out), NULL) == 0,
			      "line %d: output is not valid JSON", ok[i].line);
			CHECK(rc != 0 || (buf_len(&out) == strlen(want) &&
			                  memcmp(buf_data(&out), want, strlen(want)) == 0),
			      "line %d:\n  got  %.*s\n  want %s", ok[i].line, (int)buf_len(&out),
			      buf_data(&out) ? buf_data(&out) : "", want);
			/* the same from the caller's parse (o.parsed) */
			struct json j;
			struct buf out2;
			buf_init(&out2, 1 << 20);
			CHECK(json_parse(&j, in, strlen(in)) == 0, "line %d: parse", ok[i].line);
			o.parsed = &j;
			rc = xl_oai_to_anth(str_cstr(in), &o, &out2, &info, err, sizeof(err));
			CHECK(rc == 0 && buf_len(&out2) == buf_len(&out) &&
			              memcmp(buf_data(&out2), buf_data(&out), buf_len(&out)) == 0,
			      "line %d: from the caller's parse, rc %d: %.*s", ok[i].line, rc, (int)buf_len(&out2),
			      buf_data(&out2) ? buf_data(&out2) : "");
			json_free(&j);
			buf_free(&out2);
		}
		buf_free(&out);
		free(in);
		free(want);
	}
}

static void run_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *in = q(bad[i].in);
		struct xl_anth_opts o = { "claude", CAP, NULL };
		struct buf out;
		char err[256] = "";
		char name[64];
		snprintf(name, sizeof(name), "400 at line %d", bad[i].line);
		buf_init(&out, 1 << 20);
		buf_puts(&out, "keep");
		CASE(name) {
			int rc = xl_oai_to_anth(str_cstr(in), &o, &out, NULL, err, sizeof(err));
			CHECK(rc == -1, "line %d: rc %d", bad[i].line, rc);
			CHECK(strstr(err, bad[i].err) != NULL, "line %d: err '%s', want '%s'", bad[i].line,
			      err, bad[i].err);
			CHECK(buf_len(&out) == 4 && memcmp(buf_data(&out), "keep", 4) == 0,
			      "line %d: out was touched", bad[i].line);
			/* the same refusal from the caller's parse (o.parsed), when it parses */
			struct json j;
			char err2[256] = "";
			if (json_parse(&j, in, strlen(in)) == 0) {
				o.parsed = &j;
				rc = xl_oai_to_anth(str_cstr(in), &o, &out, NULL, err2, sizeof(err2));
				CHECK(rc == -1 && strcmp(err2, err) == 0 && buf_len(&out) == 4,
				      "line %d: from the caller's parse, rc %d '%s'", bad[i].line, rc, err2);
				json_free(&j);
			}
		}
		buf_free(&out);
		free(in);
	}
}

/* Translate and compare in one go; for the named cases below. */
static int xlate(const char *in_q, long long cap, struct buf *out, struct xl_oai_req_info *info,
                 char *err, size_t errlen)
{
	char *in = q(in_q);
	struct xl_anth_opts o = { "claude", cap, NULL };
	int rc = xl_oai_to_anth(str_cstr(in), &o, out, info, err, errlen);
	free(in);
	return rc;
}

static void run_misc(void)
{
	CASE("the brief's example message, exactly") {
		char err[256];
		struct buf out;
		buf_init(&out, 1 << 20);
		int rc = xlate("{'model':'m','messages':[{'role':'user','content':'q'},{'role':'user',"
		               "'content':'q2'},{'role':'assistant','tool_calls':[{'id':'c','type':"
		               "'function','function':{'name':'f','arguments':'{oops'}}]}]}",
		               CAP, &out, NULL, err, sizeof(err));
		CHECK(rc == -1, "rc %d", rc);
		CHECK(strcmp(err, "messages[2].tool_calls[0].function.arguments is not valid JSON") == 0,
		      "err '%s'", err);
		buf_free(&out);
	}
	CASE("info from a full translation") {
		char err[256];
		struct buf out;
		struct xl_oai_req_info info;
		buf_init(&out, 1 << 20);
		int rc = xlate("{'model':'gpt-4o','messages':[{'role':'user','content':'q'}],'stream':true,"
		               "'stream_options':{'include_usage':true}}", CAP, &out, &info, err,
		               sizeof(err));
		CHECK(rc == 0, "rc %d %s", rc, err);
		CHECK(info.stream == 1 && info.include_usage == 1 && strcmp(info.model, "gpt-4o") == 0,
		      "stream %d usage %d model %s", info.stream, info.include_usage, info.model);
		buf_free(&out);
	}
	CASE("info is filled even when the request is refused later") {
		char err[256];
		struct buf out;
		struct xl_oai_req_info info;
		buf_init(&out, 1 << 20);
		int rc = xlate("{'model':'gpt-4o','messages':[],'stream':true}", CAP, &out, &info, err,
		               sizeof(err));
		CHECK(rc == -1 && info.stream == 1 && strcmp(info.model, "gpt-4o") == 0,
		      "rc %d stream %d model %s", rc, info.stream, info.model);
		buf_free(&out);
	}
	CASE("appends to out") {
		char err[256];
		struct buf out;
		buf_init(&out, 1 << 20);
		buf_puts(&out, "X");
		int rc = xlate("{'model':'m','messages':[{'role':'user','content':'q'}]}", CAP, &out,
		               NULL, err, sizeof(err));
		const char *want = "X{\"model\":\"claude\",\"max_tokens\":8192,\"messages\":"
		                   "[{\"role\":\"user\",\"content\":\"q\"}]}";
		CHECK(rc == 0 && buf_len(&out) == strlen(want) &&
		      memcmp(buf_data(&out), want, strlen(want)) == 0, "rc %d", rc);
		buf_free(&out);
	}
	CASE("out's cap: -2, out unchanged") {
		char err[256];
		struct buf out;
		buf_init(&out, 40);
		buf_puts(&out, "keep");
		int rc = xlate("{'model':'m','messages':[{'role':'user','content':'q'}]}", CAP, &out,
		               NULL, err, sizeof(err));
		CHECK(rc == -2 && buf_len(&out) == 4 && err[0], "rc %d len %zu", rc, buf_len(&out));
		buf_free(&out);
	}
	CASE("no options: -2") {
		char err[64];
		struct buf out;
		buf_init(&out, 1 << 20);
		int rc = xl_oai_to_anth(STR_LIT("{}"), NULL, &out, NULL, err, sizeof(err));
		CHECK(rc == -2 && buf_len(&out) == 0, "rc %d", rc);
		buf_free(&out);
	}
	CASE("NULL err with errlen 0 is allowed") {
		struct buf out;
		buf_init(&out, 1 << 20);
		int rc = xlate("{'model':'m'}", CAP, &out, NULL, NULL, 0);
		CHECK(rc == -1, "rc %d", rc);
		buf_free(&out);
	}
	CASE("a short err buffer is truncated, NUL-terminated") {
		char err[8];
		struct buf out;
		buf_init(&out, 1 << 20);
		int rc = xlate("{'model':'m'}", CAP, &out, NULL, err, sizeof(err));
		CHECK(rc == -1 && strlen(err) == 7, "rc %d err '%s'", rc, err);
		buf_free(&out);
	}
	CASE("arguments nested too deeply for the output are refused") {
		/* 510 levels inside a string: valid alone, 515 once embedded. */
		struct buf in, out;
		char err[256];
		struct xl_anth_opts o = { "claude", CAP, NULL };
		buf_init(&in, 1 << 20);
		buf_init(&out, 1 << 20);
		buf_puts(&in, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
		              "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":"
		              "{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":");
		for (int i = 0; i < 509; i++)
			buf_putc(&in, '[');
		for (int i = 0; i < 509; i++)
			buf_putc(&in, ']');
		buf_puts(&in, "}\"}}]}]}");
		int rc = xl_oai_to_anth(buf_str(&in), &o, &out, NULL, err, sizeof(err));
		CHECK(rc == -1 && strstr(err, "nested too deeply"), "rc %d err %s", rc, err);
		buf_free(&in);
		buf_free(&out);
	}
	CASE("object arguments of a legacy function_call: depth checked too") {
		/* In the request the object sits 4 deep, in the output 6 deep. */
		struct buf in, out;
		char err[256];
		struct xl_anth_opts o = { "claude", CAP, NULL };
		buf_init(&in, 1 << 20);
		buf_init(&out, 1 << 20);
		buf_puts(&in, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
		              "{\"role\":\"assistant\",\"function_call\":{\"name\":\"f\",\"arguments\":"
		              "{\"a\":");
		for (int i = 0; i < JSON_MAX_DEPTH - 5; i++)
			buf_putc(&in, '[');
		for (int i = 0; i < JSON_MAX_DEPTH - 5; i++)
			buf_putc(&in, ']');
		buf_puts(&in, "}}}]}");
		CHECK(json_validate(buf_data(&in), buf_len(&in), NULL) == 0, "the input is valid");
		int rc = xl_oai_to_anth(buf_str(&in), &o, &out, NULL, err, sizeof(err));
		CHECK(rc == -1 && strstr(err, "nested too deeply"), "rc %d err %s", rc, err);
		buf_free(&in);
		buf_free(&out);
	}
	CASE("arguments at the deepest allowed nesting pass and validate") {
		struct buf in, out;
		char err[256];
		struct xl_anth_opts o = { "claude", CAP, NULL };
		buf_init(&in, 1 << 20);
		buf_init(&out, 1 << 20);
		buf_puts(&in, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
		              "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":"
		              "{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":");
		for (int i = 0; i < JSON_MAX_DEPTH - 6; i++)
			buf_putc(&in, '[');
		for (int i = 0; i < JSON_MAX_DEPTH - 6; i++)
			buf_putc(&in, ']');
		buf_puts(&in, "}\"}}]}]}");
		int rc = xl_oai_to_anth(buf_str(&in), &o, &out, NULL, err, sizeof(err));
		CHECK(rc == 0, "rc %d err %s", rc, err);
		CHECK(rc != 0 || json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "invalid");
		buf_free(&in);
		buf_free(&out);
	}
}

/* ---- xl_oai_req_peek --------------------------------------------------------------------- */

static void run_peek(void)
{
	static const struct {
		int line;
		const char *in;
		int rc, stream, usage;
		const char *model; /* or the error substring */
	} pk[] = {
		{ __LINE__, "{'model':'gpt-4o','messages':[]}", 0, 0, 0, "gpt-4o" },
		{ __LINE__, "{'model':'gpt-4o','stream':true}", 0, 1, 0, "gpt-4o" },
		{ __LINE__, "{'model':'m','stream':true,'stream_options':{'include_usage':true}}", 0, 1, 1, "m" },
		{ __LINE__, "{'model':'m','stream':false,'stream_options':{'include_usage':true}}", 0, 0, 0, "m" },
		{ __LINE__, "{'model':'m','stream':null,'stream_options':null}", 0, 0, 0, "m" },
		{ __LINE__, "{'model':'m','stream':true,'stream_options':{'include_usage':null}}", 0, 1, 0, "m" },
		{ __LINE__, "{'model':'gpt\\u002d4o\\/x','messages':5}", 0, 0, 0, "gpt-4o/x" },
		{ __LINE__, "{'model':'a','model':'b'}", 0, 0, 0, "b" },
		{ __LINE__, "{'model':''}", 0, 0, 0, "" },
		{ __LINE__, "{'stream':true}", -1, 0, 0, "you must provide a model parameter" },
		{ __LINE__, "{'model':['m']}", -1, 0, 0, "model must be a string" },
		{ __LINE__, "{'model':'m','stream':1}", -1, 0, 0, "stream must be a boolean" },
		{ __LINE__, "{'model':'m','stream_options':[]}", -1, 0, 0, "stream_options must be an object" },
		{ __LINE__, "not json", -1, 0, 0, "not valid JSON" },
		{ __LINE__, "'model'", -1, 0, 0, "must be a JSON object" },
		/* the member scan: escaped keys, NUL, duplicates, wide objects */
		{ __LINE__, "{'mod\\u0065l':'m','str\\u0065am':true}", 0, 1, 0, "m" },
		{ __LINE__, "{'model':'m\\u0000x'}", -1, 0, 0, "must not contain NUL" },
		{ __LINE__, "{'model':null}", -1, 0, 0, "you must provide a model parameter" },
		{ __LINE__, "{'model':'m','stream':true,'stream':false}", 0, 0, 0, "m" },
		{ __LINE__, "{'model':'m','stream':true,'stream_options':{'include_usage':1}}", -1, 0, 0,
		  "include_usage must be a boolean" },
		{ __LINE__, "{'model':'m','stream':true,'stream_options':{'a':1,'b':2,'c':3,'d':4,'e':5,'f':6,'g':7,"
		            "'h':8,'i':9,'j':10,'k':11,'l':12,'m':13,'n':14,'o':15,'p':16,'include_usage':true}}",
		  0, 1, 1, "m" },
		{ __LINE__, "{'model':'m','stream':true,'stream_options':{'a':1,'b':2,'c':3,'d':4,'e':5,'f':6,'g':7,"
		            "'h':8,'i':9,'j':10,'k':11,'l':12,'m':13,'n':14,'o':15,'p':16,'include_usage':'x'}}",
		  -1, 0, 0, "include_usage must be a boolean" },
		{ __LINE__, "[1]", -1, 0, 0, "must be a JSON object" },
		{ __LINE__, "{'model':'m',}", -1, 0, 0, "not valid JSON" },
	};
	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		char *in = q(pk[i].in);
		struct xl_oai_req_info info;
		char err[256] = "";
		char name[64];
		snprintf(name, sizeof(name), "peek at line %d", pk[i].line);
		CASE(name) {
			struct xl_oai_req_info ti;
			char terr[256] = "";
			int rc = xl_oai_req_peek(str_cstr(in), &info, err, sizeof(err));
			int trc = xl_oai_req_peek_tok(str_cstr(in), &ti, terr, sizeof(terr));
			CHECK(rc == pk[i].rc, "line %d: rc %d (%s)", pk[i].line, rc, err);
			CHECK(trc == rc && strcmp(terr, err) == 0 && ti.stream == info.stream &&
			              ti.include_usage == info.include_usage && strcmp(ti.model, info.model) == 0,
			      "line %d: the token reading says %d '%s'", pk[i].line, trc, terr);
			if (pk[i].rc == 0)
				CHECK(info.stream == pk[i].stream && info.include_usage == pk[i].usage &&
				      strcmp(info.model, pk[i].model) == 0,
				      "line %d: stream %d usage %d model '%s'", pk[i].line, info.stream,
				      info.include_usage, info.model);
			else
				CHECK(strstr(err, pk[i].model) != NULL, "line %d: err '%s'", pk[i].line, err);
		}
		free(in);
	}
	CASE("peek: a long model is cut to 255 bytes at a UTF-8 boundary") {
		struct buf in;
		struct xl_oai_req_info info;
		char err[128];
		buf_init(&in, 4096);
		buf_puts(&in, "{\"model\":\"");
		for (int i = 0; i < 254; i++)
			buf_putc(&in, 'a');
		buf_puts(&in, "\xc3\xa9\xc3\xa9\"}"); /* a 2-byte char straddles byte 255 */
		int rc = xl_oai_req_peek(buf_str(&in), &info, err, sizeof(err));
		CHECK(rc == 0 && strlen(info.model) == 254, "rc %d len %zu", rc, strlen(info.model));
		buf_reset(&in);
		buf_puts(&in, "{\"model\":\"");
		for (int i = 0; i < 300; i++)
			buf_putc(&in, 'b');
		buf_puts(&in, "\"}");
		rc = xl_oai_req_peek(buf_str(&in), &info, err, sizeof(err));
		CHECK(rc == 0 && strlen(info.model) == 255, "rc %d len %zu", rc, strlen(info.model));
		buf_free(&in);
	}
	CASE("peek: a top level wider than the member scan is read from tokens") {
		struct xl_oai_req_info info;
		char err[256];
		struct buf in;
		buf_init(&in, 1 << 20);
		buf_puts(&in, "{");
		for (int i = 0; i < 100; i++)
			buf_printf(&in, "\"k%d\":%d,", i, i);
		buf_puts(&in, "\"stream\":true,\"model\":\"wide\"}");
		int rc = xl_oai_req_peek(buf_str(&in), &info, err, sizeof(err));
		CHECK(rc == 0 && info.stream == 1 && strcmp(info.model, "wide") == 0, "rc %d model '%s'", rc,
		      info.model);
		buf_free(&in);
	}
	CASE("peek: NULL info is allowed") {
		char err[64];
		CHECK(xl_oai_req_peek(STR_LIT("{\"model\":\"m\"}"), NULL, err, sizeof(err)) == 0, "rc");
	}
	CASE("peek: empty body") {
		struct xl_oai_req_info info;
		char err[64];
		CHECK(xl_oai_req_peek(STR_NULL, &info, err, sizeof(err)) == -1, "rc");
	}
}

int main(void)
{
	run_ok();
	run_bad();
	run_misc();
	run_peek();
	return t_done("xl_oai_anth");
}
