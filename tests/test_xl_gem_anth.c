/* test_xl_gem_anth.c: Gemini generateContent request -> Anthropic Messages
 * request, and the Gemini ingress path parser. Every expectation is the exact
 * output, written by hand.
 *
 * To keep the tables readable, inputs and expectations are written with '
 * for " (q() swaps them back); a real apostrophe is written \u0027. */
#include "xl_gem_anth.h"

#include <stdlib.h>
#include <time.h>

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
#define K 1 /* keep_thoughts */
#define S 2 /* stream */

/* ---- successful translations ------------------------------------------------------ */

static const struct {
	int line;
	const char *name;
	long long cap;
	int flags;   /* K, S */
	const char *in;
	const char *want;
} ok[] = {
	/* -- exactly what @google/genai 3.1.0 sends (captured) -- */
	{ __LINE__, "sdk: generateContent('hi')", CAP, 0,
	  "{'contents':[{'parts':[{'text':'hi'}],'role':'user'}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'hi'}]}" },
	{ __LINE__, "sdk: generateContentStream('hi')", CAP, S,
	  "{'contents':[{'parts':[{'text':'hi'}],'role':'user'}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'hi'}],"
	  "'stream':true}" },
	{ __LINE__, "sdk: tool round trip with thoughts, ANY with one name, sampling", CAP, 0,
	  "{'contents':[{'parts':[{'text':'Weather in Paris and Rome?'}],'role':'user'},"
	  "{'parts':[{'text':'thinking...','thought':true,'thoughtSignature':'c2lnMQ=='},"
	  "{'functionCall':{'args':{'city':'Paris'},'name':'get_weather'},'thoughtSignature':'c2lnMg=='},"
	  "{'functionCall':{'args':{'city':'Rome'},'name':'get_weather'}}],'role':'model'},"
	  "{'parts':[{'functionResponse':{'name':'get_weather','response':{'output':'18C'}}},"
	  "{'functionResponse':{'name':'get_weather','response':{'output':'21C'}}}],'role':'user'}],"
	  "'systemInstruction':{'parts':[{'text':'You are terse.'}],'role':'user'},"
	  "'safetySettings':[{'category':'HARM_CATEGORY_HATE_SPEECH','threshold':'BLOCK_NONE'}],"
	  "'tools':[{'functionDeclarations':[{'name':'get_weather','description':'Get weather',"
	  "'parameters':{'type':'OBJECT','properties':{'city':{'type':'STRING','nullable':true}},"
	  "'required':['city']}}]}],'toolConfig':{'functionCallingConfig':{'allowedFunctionNames':"
	  "['get_weather'],'mode':'ANY'}},'generationConfig':{'temperature':0.5,'topP':0.9,'topK':40,"
	  "'maxOutputTokens':2048,'stopSequences':['END'],'thinkingConfig':{'thinkingBudget':1024,"
	  "'includeThoughts':true}}}",
	  "{'model':'claude','max_tokens':2048,'system':[{'type':'text','text':'You are terse.'}],"
	  "'messages':[{'role':'user','content':'Weather in Paris and Rome?'},"
	  "{'role':'assistant','content':["
	  "{'type':'tool_use','id':'toolu_gem_1','name':'get_weather','input':{'city':'Paris'}},"
	  "{'type':'tool_use','id':'toolu_gem_2','name':'get_weather','input':{'city':'Rome'}}]},"
	  "{'role':'user','content':["
	  "{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'18C'},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_2','content':'21C'}]}],"
	  "'tools':[{'name':'get_weather','description':'Get weather','input_schema':"
	  "{'type':'object','properties':{'city':{'type':['string','null']}},'required':['city']}}],"
	  "'tool_choice':{'type':'tool','name':'get_weather'},'stop_sequences':['END'],"
	  "'temperature':0.5,'top_p':0.9,'top_k':40}" },
	{ __LINE__, "sdk: the same with keep_thoughts: thought and signatures kept", CAP, K,
	  "{'contents':[{'parts':[{'text':'Weather in Paris and Rome?'}],'role':'user'},"
	  "{'parts':[{'text':'thinking...','thought':true,'thoughtSignature':'c2lnMQ=='},"
	  "{'functionCall':{'args':{'city':'Paris'},'name':'get_weather'},'thoughtSignature':'c2lnMg=='},"
	  "{'functionCall':{'args':{'city':'Rome'},'name':'get_weather'}}],'role':'model'},"
	  "{'parts':[{'functionResponse':{'name':'get_weather','response':{'output':'18C'}}},"
	  "{'functionResponse':{'name':'get_weather','response':{'output':'21C'}}}],'role':'user'}]}",
	  "{'model':'claude','max_tokens':8192,"
	  "'messages':[{'role':'user','content':'Weather in Paris and Rome?'},"
	  "{'role':'assistant','content':["
	  "{'type':'thinking','thinking':'thinking...','signature':'c2lnMQ=='},"
	  "{'type':'thinking','thinking':'','signature':'gemini-fc:c2lnMg=='},"
	  "{'type':'tool_use','id':'toolu_gem_1','name':'get_weather','input':{'city':'Paris'}},"
	  "{'type':'tool_use','id':'toolu_gem_2','name':'get_weather','input':{'city':'Rome'}}]},"
	  "{'role':'user','content':["
	  "{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'18C'},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_2','content':'21C'}]}]}" },
	{ __LINE__, "sdk: images, system parts, responseJsonSchema, thinkingLevel, JSON-schema tool",
	  CAP, 0,
	  "{'contents':[{'parts':[{'text':'Describe'},{'inlineData':{'mimeType':'image/png',"
	  "'data':'iVBORw0KGgo='}},{'fileData':{'mimeType':'image/jpeg',"
	  "'fileUri':'https://example.com/a.jpg'}}],'role':'user'}],'systemInstruction':{'parts':["
	  "{'text':'Sys A'},{'text':'Sys B'}]},'tools':[{'functionDeclarations':[{'name':'lookup',"
	  "'parametersJsonSchema':{'type':'object','properties':{'q':{'type':'string'}}}}]}],"
	  "'toolConfig':{'functionCallingConfig':{'mode':'AUTO'}},'generationConfig':{"
	  "'candidateCount':1,'responseMimeType':'application/json','responseJsonSchema':{'type':"
	  "'object','properties':{'a':{'type':'string'}}},'thinkingConfig':{'thinkingLevel':'LOW'}}}",
	  "{'model':'claude','max_tokens':8192,'system':[{'type':'text','text':'Sys A'},"
	  "{'type':'text','text':'Sys B'}],'messages':[{'role':'user','content':["
	  "{'type':'text','text':'Describe'},"
	  "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBORw0KGgo='}},"
	  "{'type':'image','source':{'type':'url','url':'https://example.com/a.jpg'}}]}],"
	  "'tools':[{'name':'lookup','input_schema':{'type':'object','properties':{'q':{'type':"
	  "'string'}}}}],'tool_choice':{'type':'auto'},'thinking':{'type':'enabled','budget_tokens':2048},"
	  "'output_config':{'format':{'type':'json_schema','schema':{'type':'object','properties':"
	  "{'a':{'type':'string'}}}}}}" },
	{ __LINE__, "sdk: OpenAPI responseSchema rewritten; thinkingBudget -1 -> adaptive", CAP, 0,
	  "{'contents':[{'parts':[{'text':'json please'}],'role':'user'}],'generationConfig':{"
	  "'responseMimeType':'application/json','responseSchema':{'type':'ARRAY','items':{'type':"
	  "'OBJECT','properties':{'name':{'type':'STRING'},'n':{'type':'INTEGER','nullable':true}},"
	  "'propertyOrdering':['name','n']}},'thinkingConfig':{'thinkingBudget':-1}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'json please'}],"
	  "'thinking':{'type':'adaptive'},'output_config':{'format':{'type':'json_schema','schema':"
	  "{'type':'array','items':{'type':'object','properties':{'name':{'type':'string'},"
	  "'n':{'type':['integer','null']}},'propertyOrdering':['name','n']}}}}}" },

	/* -- the REST forms in Google's documentation -- */
	{ __LINE__, "snake_case names, bare values for repeated fields", CAP, 0,
	  "{'system_instruction':{'parts':{'text':'You are a cat.'}},'contents':{'parts':{'text':"
	  "'Hello'}},'generation_config':{'max_output_tokens':100,'stop_sequences':'X','top_k':5,"
	  "'top_p':0.5}}",
	  "{'model':'claude','max_tokens':100,'system':[{'type':'text','text':'You are a cat.'}],"
	  "'messages':[{'role':'user','content':'Hello'}],'stop_sequences':['X'],'top_p':0.5,"
	  "'top_k':5}" },
	{ __LINE__, "snake_case parts and tools", CAP, 0,
	  "{'contents':[{'role':'user','parts':[{'inline_data':{'mime_type':'image/gif','data':'R0lG'}}]},"
	  "{'role':'model','parts':[{'function_call':{'name':'f','args':{'a':1}}}]},"
	  "{'role':'user','parts':[{'function_response':{'name':'f','response':{'result':'r'}}}]}],"
	  "'tools':[{'function_declarations':[{'name':'f','parameters':{'type':'OBJECT'}}]}],"
	  "'tool_config':{'function_calling_config':{'mode':'ANY','allowed_function_names':['f','g']}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'image','source':{'type':'base64','media_type':'image/gif','data':'R0lG'}}]},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{'a':1}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'r'}]}],"
	  "'tools':[{'name':'f','input_schema':{'type':'object'}}],'tool_choice':{'type':'any'}}" },
	{ __LINE__, "camelCase wins over snake_case", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generation_config':{'max_output_tokens':5},"
	  "'generationConfig':{'maxOutputTokens':7,'max_output_tokens':9}}",
	  "{'model':'claude','max_tokens':7,'messages':[{'role':'user','content':'q'}]}" },

	/* -- contents and roles -- */
	{ __LINE__, "missing role is user; empty model turn transparent; model runs merge", CAP, 0,
	  "{'contents':[{'parts':[{'text':'a'}]},{'role':'model','parts':[{'text':''}]},"
	  "{'role':'user','parts':[{'text':'b'}]},{'role':'model','parts':[{'text':'x'}]},"
	  "{'role':'model','parts':[{'text':'y'}]},{'role':'','parts':[{'text':'c'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'text','text':'a'},{'type':'text','text':'b'}]},{'role':'assistant','content':["
	  "{'type':'text','text':'x'},{'type':'text','text':'y'}]},{'role':'user','content':'c'}]}" },
	{ __LINE__, "several text parts in one content; parts absent, null and empty", CAP, 0,
	  "{'contents':[{'role':'user','parts':[{'text':'a'},{'text':'b'}]},{'role':'model'},"
	  "{'role':'model','parts':null},{'role':'user','parts':[]},{'role':'model','parts':[{'text':'z'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'text','text':'a'},{'type':'text','text':'b'}]},{'role':'assistant','content':'z'}]}" },
	{ __LINE__, "escapes are copied byte for byte", CAP, 0,
	  "{'contents':[{'parts':[{'text':'caf\\u00e9\\n\\'q\\' \\u0027'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user',"
	  "'content':'caf\\u00e9\\n\\'q\\' \\u0027'}]}" },
	{ __LINE__, "role function is the user side; a part without data is dropped", CAP, 0,
	  "{'contents':[{'role':'user','parts':[{'text':'q'},{},{'videoMetadata':{}}]},"
	  "{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'role':'function','parts':[{'functionResponse':{'name':'f','response':{'output':'o'}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'o'}]}]}" },
	{ __LINE__, "user text before a functionResponse: tool_result first; user turns merge", CAP, 0,
	  "{'contents':[{'role':'user','parts':[{'text':'q'}]},"
	  "{'role':'model','parts':[{'text':'Let me look.'},{'functionCall':{'name':'f','args':{}}}]},"
	  "{'role':'user','parts':[{'text':'note'},{'functionResponse':{'name':'f','response':"
	  "{'output':'r'}}}]},{'role':'user','parts':[{'text':'more'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'text','text':'Let me look.'},"
	  "{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'r'},"
	  "{'type':'text','text':'note'},{'type':'text','text':'more'}]}]}" },
	{ __LINE__, "final model turn (prefill) kept", CAP, 0,
	  "{'contents':[{'role':'user','parts':[{'text':'q'}]},{'role':'model','parts':[{'text':'{'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':'{'}]}" },

	/* -- media -- */
	{ __LINE__, "inline: URL-safe unpadded base64 normalised; image/jpg; pdf; escaped data", CAP, 0,
	  "{'contents':[{'parts':[{'inlineData':{'mimeType':'image/jpg','data':'ab-_cd'}},"
	  "{'inlineData':{'mimeType':'Application/PDF','data':'JVBERi0='}},"
	  "{'inlineData':{'mimeType':'image/webp','data':'ab\\/c+d=='}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'image','source':{'type':'base64','media_type':'image/jpeg','data':'ab+/cd=='}},"
	  "{'type':'document','source':{'type':'base64','media_type':'application/pdf','data':'JVBERi0='}},"
	  "{'type':'image','source':{'type':'base64','media_type':'image/webp','data':'ab/c+d=='}}]}]}" },
	{ __LINE__, "fileData: image and pdf URLs, escapes kept", CAP, 0,
	  "{'contents':[{'parts':[{'fileData':{'mimeType':'image/png','fileUri':'HTTPS://x.test/a.png'}},"
	  "{'fileData':{'mimeType':'application/pdf','fileUri':'https:\\/\\/x.test\\/d.pdf'}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'image','source':{'type':'url','url':'HTTPS://x.test/a.png'}},"
	  "{'type':'document','source':{'type':'url','url':'https:\\/\\/x.test\\/d.pdf'}}]}]}" },

	/* -- function calls and responses -- */
	{ __LINE__, "ids given: sanitized the same on both sides", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':[{'functionCall':{"
	  "'id':'call:1.x','name':'f','args':{'k':[1,2]}}}]},{'parts':[{'functionResponse':{"
	  "'id':'call:1.x','name':'f','response':{'result':'ok'}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'call_1_x','name':'f','input':"
	  "{'k':[1,2]}}]},{'role':'user','content':[{'type':'tool_result','tool_use_id':'call_1_x',"
	  "'content':'ok'}]}]}" },
	{ __LINE__, "ids pair out of order; an empty id is no id", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':["
	  "{'functionCall':{'id':'a','name':'f'}},{'functionCall':{'id':'b','name':'f'}},"
	  "{'functionCall':{'id':'','name':'g'}}]},{'parts':["
	  "{'functionResponse':{'id':'b','name':'f','response':{'output':'B'}}},"
	  "{'functionResponse':{'id':'a','name':'f','response':{'output':'A'}}},"
	  "{'functionResponse':{'id':'','name':'g','response':{'output':'G'}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'a','name':'f','input':{}},"
	  "{'type':'tool_use','id':'b','name':'f','input':{}},"
	  "{'type':'tool_use','id':'toolu_gem_3','name':'g','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'b','content':'B'},"
	  "{'type':'tool_result','tool_use_id':'a','content':'A'},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_3','content':'G'}]}]}" },
	{ __LINE__, "an unknown response id falls back to the name; a call id the response lacks", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':["
	  "{'functionCall':{'name':'f'}},{'functionCall':{'id':'c-2','name':'g'}}]},{'parts':["
	  "{'functionResponse':{'id':'zzz','name':'f','response':{'output':'F'}}},"
	  "{'functionResponse':{'name':'g','response':{'output':'G'}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{}},"
	  "{'type':'tool_use','id':'c-2','name':'g','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'F'},"
	  "{'type':'tool_result','tool_use_id':'c-2','content':'G'}]}]}" },
	{ __LINE__, "two rounds of one function: each response takes the earliest open call", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','response':{'output':'1'}}}]},"
	  "{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','response':{'output':'2'}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'1'}]},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_2','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_2','content':'2'}]}]}" },
	{ __LINE__, "response content forms: error string, error object, object output, extra "
	  "members, {}, absent, empty output", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':["
	  "{'functionCall':{'name':'a'}},{'functionCall':{'name':'b'}},{'functionCall':{'name':'c'}},"
	  "{'functionCall':{'name':'d'}},{'functionCall':{'name':'e'}},{'functionCall':{'name':'f'}},"
	  "{'functionCall':{'name':'g'}}]},{'parts':["
	  "{'functionResponse':{'name':'a','response':{'error':'boom'}}},"
	  "{'functionResponse':{'name':'b','response':{'error':{'code':1}}}},"
	  "{'functionResponse':{'name':'c','response':{'output':{'temp':18}}}},"
	  "{'functionResponse':{'name':'d','response':{'output':'x','error':'y'}}},"
	  "{'functionResponse':{'name':'e','response':{}}},"
	  "{'functionResponse':{'name':'f'}},"
	  "{'functionResponse':{'name':'g','response':{'output':''}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'a','input':{}},"
	  "{'type':'tool_use','id':'toolu_gem_2','name':'b','input':{}},"
	  "{'type':'tool_use','id':'toolu_gem_3','name':'c','input':{}},"
	  "{'type':'tool_use','id':'toolu_gem_4','name':'d','input':{}},"
	  "{'type':'tool_use','id':'toolu_gem_5','name':'e','input':{}},"
	  "{'type':'tool_use','id':'toolu_gem_6','name':'f','input':{}},"
	  "{'type':'tool_use','id':'toolu_gem_7','name':'g','input':{}}]},"
	  "{'role':'user','content':["
	  "{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'boom','is_error':true},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_2','content':'{\\'error\\':{\\'code\\':1}}',"
	  "'is_error':true},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_3','content':'{\\'output\\':{\\'temp\\':18}}'},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_4','content':"
	  "'{\\'output\\':\\'x\\',\\'error\\':\\'y\\'}'},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_5','content':'{}'},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_6'},"
	  "{'type':'tool_result','tool_use_id':'toolu_gem_7'}]}]}" },
	{ __LINE__, "functionResponse.parts: media after the text", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':[{'functionCall':{'name':'shot'}}]},"
	  "{'parts':[{'functionResponse':{'name':'shot','response':{'output':'here'},'parts':["
	  "{'inlineData':{'mimeType':'image/png','data':'AAAA'}},{},"
	  "{'fileData':{'mimeType':'image/png','fileUri':'https://x.test/b.png'}}]}},"
	  "{'text':'and?'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'shot','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':["
	  "{'type':'text','text':'here'},"
	  "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'AAAA'}},"
	  "{'type':'image','source':{'type':'url','url':'https://x.test/b.png'}}]},"
	  "{'type':'text','text':'and?'}]}]}" },
	{ __LINE__, "functionResponse.parts without a response: media only", CAP, 0,
	  "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'s'}}]},"
	  "{'parts':[{'functionResponse':{'name':'s','parts':{'inlineData':{'mimeType':'image/png',"
	  "'data':'AAAA'}}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':["
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'s','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':["
	  "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'AAAA'}}]}]}]}" },

	/* -- thoughts -- */
	{ __LINE__, "without keep_thoughts: a thought-only model turn vanishes; users merge", CAP, 0,
	  "{'contents':[{'parts':[{'text':'a'}]},{'role':'model','parts':[{'text':'hmm','thought':true,"
	  "'thoughtSignature':'U0lH'},{'thoughtSignature':'U0lH'}]},{'parts':[{'text':'b'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':["
	  "{'type':'text','text':'a'},{'type':'text','text':'b'}]}]}" },
	{ __LINE__, "keep_thoughts: signed text, empty signed text, signature-only part, unsigned "
	  "thought, empty thought", CAP, K,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':["
	  "{'text':'plan','thought':true},{'text':'','thought':true},"
	  "{'text':'Answer','thoughtSignature':'U0lHMQ=='},{'text':'','thoughtSignature':'U0lHMg=='},"
	  "{'thoughtSignature':'U0lHMw=='},{'text':'more','thought':false,'thoughtSignature':''}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'thinking','thinking':'plan','signature':''},"
	  "{'type':'thinking','thinking':'','signature':'gemini-fc:U0lHMQ=='},"
	  "{'type':'text','text':'Answer'},"
	  "{'type':'thinking','thinking':'','signature':'gemini-fc:U0lHMg=='},"
	  "{'type':'thinking','thinking':'','signature':'gemini-fc:U0lHMw=='},"
	  "{'type':'text','text':'more'}]}]}" },
	{ __LINE__, "keep_thoughts: thought parts and signatures in user turns are dropped", CAP, K,
	  "{'contents':[{'parts':[{'text':'secret','thought':true,'thoughtSignature':'QQ=='},"
	  "{'text':'q','thoughtSignature':'QQ=='}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "keep_thoughts: a signed thought with an escaped signature", CAP, K,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':["
	  "{'text':'t','thought':true,'thoughtSignature':'a\\/b'},"
	  "{'functionCall':{'name':'f'},'thoughtSignature':'c\\/d'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'thinking','thinking':'t','signature':'a\\/b'},"
	  "{'type':'thinking','thinking':'','signature':'gemini-fc:c\\/d'},"
	  "{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{}}]}]}" },

	/* -- system -- */
	{ __LINE__, "systemInstruction: bare string", CAP, 0,
	  "{'systemInstruction':'Be brief.','contents':[{'parts':[{'text':'q'}]}]}",
	  "{'model':'claude','max_tokens':8192,'system':[{'type':'text','text':'Be brief.'}],"
	  "'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "systemInstruction: list of parts and strings; thought and empty skipped", CAP, 0,
	  "{'systemInstruction':[{'text':'A'},'B',{'text':''},{'text':'T','thought':true},{}],"
	  "'contents':[{'parts':[{'text':'q'}]}]}",
	  "{'model':'claude','max_tokens':8192,'system':[{'type':'text','text':'A'},"
	  "{'type':'text','text':'B'}],'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "systemInstruction: a lone part", CAP, 0,
	  "{'systemInstruction':{'text':'L'},'contents':[{'parts':[{'text':'q'}]}]}",
	  "{'model':'claude','max_tokens':8192,'system':[{'type':'text','text':'L'}],"
	  "'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "systemInstruction: empty forms give no system", CAP, 0,
	  "{'systemInstruction':{'role':'user','parts':[{'text':''}]},'contents':[{'parts':[{'text':'q'}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },

	/* -- tools and toolConfig -- */
	{ __LINE__, "schemas: no parameters, no type, TYPE_UNSPECIFIED, JSON Schema without type", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':["
	  "{'name':'a'},{'name':'b','description':'B','parameters':{'properties':{'x':{'type':'NUMBER'}}}},"
	  "{'name':'c','parameters':{'type':'TYPE_UNSPECIFIED','required':[]}},"
	  "{'name':'d','description':null,'parametersJsonSchema':{'properties':{'y':{'type':'STRING'}}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}},"
	  "{'name':'b','description':'B','input_schema':{'type':'object','properties':{'x':{'type':'number'}}}},"
	  "{'name':'c','input_schema':{'type':'object','required':[]}},"
	  "{'name':'d','input_schema':{'type':'object','properties':{'y':{'type':'STRING'}}}}]}" },
	{ __LINE__, "schema rewrite: properties named type and nullable, anyOf, items, enum kept", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[{'name':'f',"
	  "'parameters':{'type':'OBJECT','properties':{'type':{'type':'STRING','enum':['A','OBJECT']},"
	  "'nullable':{'type':'BOOLEAN','nullable':true},'list':{'type':'ARRAY','nullable':false,"
	  "'items':{'type':'INTEGER','format':'int32'}},'u':{'anyOf':[{'type':'STRING'},"
	  "{'type':'NULL'}],'nullable':true},'t':{'type':['STRING','NUMBER'],'nullable':true},"
	  "'d':{'type':'OBJECT','default':{'type':'X'},'example':{'type':'Y'}}}}}]}]}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'f','input_schema':{'type':'object','properties':{'type':{'type':'string',"
	  "'enum':['A','OBJECT']},'nullable':{'type':['boolean','null']},'list':{'type':'array',"
	  "'items':{'type':'integer','format':'int32'}},'u':{'anyOf':[{'type':'string'},"
	  "{'type':'null'}]},'t':{'type':['string','number','null']},"
	  "'d':{'type':'object','default':{'type':'X'},'example':{'type':'Y'}}}}}]}" },
	{ __LINE__, "several Tool objects flatten; null tool kinds ignored; NONE", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[{'name':'a'}]},"
	  "{'googleSearch':null,'functionDeclarations':{'name':'b'}},{}],"
	  "'toolConfig':{'functionCallingConfig':{'mode':'NONE'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}},"
	  "{'name':'b','input_schema':{'type':'object','properties':{}}}],"
	  "'tool_choice':{'type':'none'}}" },
	{ __LINE__, "VALIDATED -> auto; lower-case mode", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[{'name':'a'}]}],"
	  "'toolConfig':{'functionCallingConfig':{'mode':'validated'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}}],'tool_choice':{'type':'auto'}}" },
	{ __LINE__, "MODE_UNSPECIFIED and AUTO with names: no / auto choice", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[{'name':'a'}]}],"
	  "'toolConfig':{'functionCallingConfig':{'mode':'MODE_UNSPECIFIED'},'retrievalConfig':{}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}}]}" },
	{ __LINE__, "toolConfig without tools (and an empty declaration list) is left out", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[]}],"
	  "'toolConfig':{'functionCallingConfig':{'mode':'ANY'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },

	/* -- generationConfig -- */
	{ __LINE__, "max tokens capped; temperature clamped; topK 0 left out; stops filtered", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'maxOutputTokens':100000,"
	  "'temperature':1.5,'topK':0,'stopSequences':['\\n','','END',' \\t','a b']}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'stop_sequences':['END','a b'],'temperature':1}" },
	{ __LINE__, "temperature 0 and 2; topK 40.0 written as an integer; maxOutputTokens 0", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'maxOutputTokens':0,"
	  "'temperature':0,'topK':40.0}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'temperature':0,'top_k':40}" },
	{ __LINE__, "no cap, no value -> 4096", 0, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}]}",
	  "{'model':'claude','max_tokens':4096,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "no cap: the client's value", -1, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'maxOutputTokens':100000}}",
	  "{'model':'claude','max_tokens':100000,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "dropped fields", CAP, 0,
	  "{'model':'models/x','contents':[{'parts':[{'text':'q'}]}],'safetySettings':[],"
	  "'cachedContent':'cachedContents/1','labels':{'a':'b'},'future':[1],'generationConfig':{"
	  "'candidateCount':1,'seed':7,'presencePenalty':0.5,'frequencyPenalty':0.5,"
	  "'responseLogprobs':true,'logprobs':2,'responseModalities':['TEXT'],'mediaResolution':"
	  "'MEDIA_RESOLUTION_LOW','responseMimeType':'application/json','temperature':null,"
	  "'thinkingConfig':{'includeThoughts':true}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "responseMimeType text/plain; responseModalities a bare string", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'responseMimeType':'text/plain',"
	  "'responseModalities':'text'}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },

	/* -- thinking -- */
	{ __LINE__, "budget 500 raised to 1024", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':{'thinkingBudget':500}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':1024}}" },
	{ __LINE__, "budget 8192 raises a small maxOutputTokens to budget + 1024", 32000, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'maxOutputTokens':1000,"
	  "'thinkingConfig':{'thinkingBudget':8192}}}",
	  "{'model':'claude','max_tokens':9216,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':8192}}" },
	{ __LINE__, "HIGH over the cap: budget lowered to cap - 1024", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingLevel':'HIGH'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':7168}}" },
	{ __LINE__, "medium (lower case), no cap", 0, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingLevel':'medium'}}}",
	  "{'model':'claude','max_tokens':9216,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':8192}}" },
	{ __LINE__, "thinking impossible under a tiny cap: dropped", 1500, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':{'thinkingBudget':2048}}}",
	  "{'model':'claude','max_tokens':1500,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "MINIMAL, THINKING_LEVEL_UNSPECIFIED and budget 0: no thinking", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingLevel':'MINIMAL'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "budget 0", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingBudget':0,'thinkingLevel':null}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}]}" },
	{ __LINE__, "thinking: temperature 0.5, topP 0.5 and topK left out", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'temperature':0.5,'topP':0.5,"
	  "'topK':10,'thinkingConfig':{'thinkingLevel':'LOW'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'thinking':{'type':'enabled','budget_tokens':2048}}" },
	{ __LINE__, "thinking: temperature 1 (also clamped) and topP 0.95 kept", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'temperature':1.7,'topP':0.95,"
	  "'thinkingConfig':{'thinkingBudget':-1}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],"
	  "'temperature':1,'top_p':0.95,'thinking':{'type':'adaptive'}}" },
	{ __LINE__, "thinking dropped when a tool is forced", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[{'name':'a'}]}],"
	  "'toolConfig':{'functionCallingConfig':{'mode':'ANY'}},'generationConfig':{'thinkingConfig':"
	  "{'thinkingBudget':-1}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'}],'tools':["
	  "{'name':'a','input_schema':{'type':'object','properties':{}}}],'tool_choice':{'type':'any'}}" },
	{ __LINE__, "thinking dropped when the last model turn holds a functionCall", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','response':{'output':'r'}}}]}],"
	  "'generationConfig':{'thinkingConfig':{'thinkingBudget':2048}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'r'}]}]}" },
	{ __LINE__, "... but kept with keep_thoughts (the signatures travel along)", CAP, K,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':[{'functionCall':{'name':'f'},"
	  "'thoughtSignature':'Zg=='}]},"
	  "{'parts':[{'functionResponse':{'name':'f','response':{'output':'r'}}}]}],"
	  "'generationConfig':{'thinkingConfig':{'thinkingBudget':2048}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'thinking','thinking':'','signature':'gemini-fc:Zg=='},"
	  "{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'r'}]}],"
	  "'thinking':{'type':'enabled','budget_tokens':2048}}" },
	{ __LINE__, "thinking kept when only an earlier model turn called", CAP, 0,
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','response':{'output':'r'}}}]},"
	  "{'role':'model','parts':[{'text':'done'}]},{'parts':[{'text':'next'}]}],"
	  "'generationConfig':{'thinkingConfig':{'thinkingLevel':'LOW'}}}",
	  "{'model':'claude','max_tokens':8192,'messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_gem_1','name':'f','input':{}}]},"
	  "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_1','content':'r'}]},"
	  "{'role':'assistant','content':'done'},{'role':'user','content':'next'}],"
	  "'thinking':{'type':'enabled','budget_tokens':2048}}" },

	/* -- the key order with everything present -- */
	{ __LINE__, "every output key, in the documented order", 64000, S,
	  "{'generationConfig':{'responseSchema':{'type':'OBJECT'},'responseMimeType':'application/json',"
	  "'thinkingConfig':{'thinkingBudget':8192},'topK':3,'topP':0.99,'temperature':1,"
	  "'stopSequences':['X'],'maxOutputTokens':20000},'toolConfig':{'functionCallingConfig':"
	  "{'mode':'AUTO'}},'tools':[{'functionDeclarations':[{'name':'t','parameters':{'type':'OBJECT'}}]}],"
	  "'contents':[{'parts':[{'text':'q'}]}],'systemInstruction':'s'}",
	  "{'model':'claude','max_tokens':20000,'system':[{'type':'text','text':'s'}],"
	  "'messages':[{'role':'user','content':'q'}],'tools':[{'name':'t','input_schema':"
	  "{'type':'object'}}],'tool_choice':{'type':'auto'},'stop_sequences':['X'],"
	  "'temperature':1,'top_p':0.99,'thinking':{'type':'enabled','budget_tokens':8192},"
	  "'output_config':{'format':{'type':'json_schema','schema':{'type':'object'}}},"
	  "'stream':true}" },
};

/* ---- refusals (400) ------------------------------------------------------------------- */

static const struct {
	int line;
	const char *in;
	const char *err;   /* a substring of the message */
} bad[] = {
	{ __LINE__, "not json", "Invalid JSON payload received (at byte 1)" },
	{ __LINE__, "['contents']", "the request body must be a JSON object" },
	{ __LINE__, "{}", "contents is required" },
	{ __LINE__, "{'contents':null}", "contents is required" },
	{ __LINE__, "{'contents':[]}", "contents must not be empty" },
	{ __LINE__, "{'contents':5}", "contents must be a list of Content objects" },
	{ __LINE__, "{'contents':['hi']}", "contents[0] must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':''}]},{'role':'model','parts':[]}]}",
	  "contents must hold at least one part with content" },
	{ __LINE__, "{'contents':[{'role':'assistant','parts':[{'text':'q'}]}]}",
	  "contents[0].role 'assistant' is not valid (use user or model)" },
	{ __LINE__, "{'contents':[{'role':5,'parts':[{'text':'q'}]}]}", "contents[0].role must be a string" },
	{ __LINE__, "{'contents':[{'parts':'hi'}]}", "contents[0].parts must be a list of parts" },
	{ __LINE__, "{'contents':[{'parts':['hi']}]}", "contents[0].parts[0] must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'a','inlineData':{}}]}]}",
	  "contents[0].parts[0] holds more than one of text, inlineData" },
	{ __LINE__, "{'contents':[{'parts':[{'text':5}]}]}", "contents[0].parts[0].text must be a string" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'a','thought':'yes'}]}]}",
	  "contents[0].parts[0].thought must be a boolean" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'a','thoughtSignature':5}]}]}",
	  "contents[0].parts[0].thoughtSignature must be a string" },
	/* media */
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'mimeType':'audio/mp3','data':'AAAA'}}]}]}",
	  "contents[0].parts[0].inlineData: 'audio/mp3' content is not supported by this model" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'mimeType':'image/heic','data':'AAAA'}}]}]}",
	  "contents[0].parts[0].inlineData: image type 'image/heic' is not supported" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'mimeType':'image/png','data':'***'}}]}]}",
	  "contents[0].parts[0].inlineData.data is not valid base64" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'mimeType':'image/png','data':'abcde'}}]}]}",
	  "contents[0].parts[0].inlineData.data is not valid base64" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'mimeType':'image/png','data':'ab='}}]}]}",
	  "contents[0].parts[0].inlineData.data is not valid base64" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'mimeType':'image/png','data':'====' }}]}]}",
	  "contents[0].parts[0].inlineData.data is not valid base64" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'mimeType':'image/png','data':''}}]}]}",
	  "contents[0].parts[0].inlineData.data is not valid base64" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'mimeType':'image/png'}}]}]}",
	  "contents[0].parts[0].inlineData.data must be a string" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':{'data':'AAAA'}}]}]}",
	  "contents[0].parts[0].inlineData.mimeType must be a string" },
	{ __LINE__, "{'contents':[{'parts':[{'inlineData':'AAAA'}]}]}",
	  "contents[0].parts[0].inlineData must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'fileData':{'mimeType':'image/png','fileUri':'gs://b/a.png'}}]}]}",
	  "contents[0].parts[0].fileData.fileUri: gs:// URIs are not supported" },
	{ __LINE__, "{'contents':[{'parts':[{'fileData':{'mimeType':'image/png','fileUri':'http://x/a.png'}}]}]}",
	  "contents[0].parts[0].fileData.fileUri must be an https URL" },
	{ __LINE__, "{'contents':[{'parts':[{'fileData':{'mimeType':'image/png','fileUri':'https://'}}]}]}",
	  "contents[0].parts[0].fileData.fileUri must be an https URL" },
	{ __LINE__, "{'contents':[{'parts':[{'fileData':{'mimeType':'application/pdf','fileUri':"
	  "'https://generativelanguage.googleapis.com/v1beta/files/abc'}}]}]}",
	  "Gemini Files API URIs are not supported" },
	{ __LINE__, "{'contents':[{'parts':[{'fileData':{'fileUri':'https://youtu.be/x'}}]}]}",
	  "contents[0].parts[0].fileData.mimeType must be a string" },
	{ __LINE__, "{'contents':[{'parts':[{'fileData':{'mimeType':'video/mp4','fileUri':'https://youtu.be/x'}}]}]}",
	  "'video/mp4' content is not supported by this model" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':[{'inlineData':"
	  "{'mimeType':'image/png','data':'AAAA'}}]}]}",
	  "contents[1].parts[0].inlineData is not supported in a model turn" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'fileData':{'mimeType':'image/png',"
	  "'fileUri':'https://x/a.png'}}]}]}",
	  "contents[0].parts[0].fileData is not supported in a model turn" },
	/* calls and responses */
	{ __LINE__, "{'contents':[{'parts':[{'functionCall':{'name':'f'}}]}]}",
	  "contents[0].parts[0].functionCall must be in a model turn (role \"model\")" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionResponse':{'name':'f','response':{}}}]}]}",
	  "contents[0].parts[0].functionResponse must be in a user turn (role \"user\")" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'args':{}}}]}]}",
	  "contents[0].parts[0].functionCall.name must be a non-empty string" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':''}}]}]}",
	  "contents[0].parts[0].functionCall.name must be a non-empty string" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f','args':[1]}}]}]}",
	  "contents[0].parts[0].functionCall.args must be an object" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f','args':'{}'}}]}]}",
	  "contents[0].parts[0].functionCall.args must be an object" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f','id':5}}]}]}",
	  "contents[0].parts[0].functionCall.id must be a string" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':'f'}]}]}",
	  "contents[0].parts[0].functionCall must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'functionResponse':{'name':'get_weather','response':{}}}]}]}",
	  "contents[0].parts[0].functionResponse: no earlier functionCall named 'get_weather' is waiting "
	  "for a response" },
	{ __LINE__, "{'contents':[{'parts':[{'functionResponse':{'name':'f','response':{}}}]},"
	  "{'role':'model','parts':[{'functionCall':{'name':'f'}}]}]}",
	  "contents[0].parts[0].functionResponse: no earlier functionCall named 'f'" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','response':{}}},"
	  "{'functionResponse':{'name':'f','response':{}}}]}]}",
	  "contents[1].parts[1].functionResponse: no earlier functionCall named 'f'" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f','id':'x'}}]},"
	  "{'parts':[{'functionResponse':{'name':'g','id':'y','response':{}}}]}]}",
	  "contents[1].parts[0].functionResponse: no earlier functionCall named 'g'" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'response':{}}}]}]}",
	  "contents[1].parts[0].functionResponse.name must be a non-empty string" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','response':'ok'}}]}]}",
	  "contents[1].parts[0].functionResponse.response must be an object" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','id':[],'response':{}}}]}]}",
	  "contents[1].parts[0].functionResponse.id must be a string" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','response':{},'parts':[{'text':'t'}]}}]}]}",
	  "contents[1].parts[0].functionResponse.parts[0]: only inlineData and fileData parts are "
	  "supported here" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','parts':[{'inlineData':{'mimeType':'audio/wav',"
	  "'data':'AAAA'}}]}}]}]}",
	  "contents[1].parts[0].functionResponse.parts[0].inlineData: 'audio/wav' content is not "
	  "supported" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'functionCall':{'name':'f'}}]},"
	  "{'parts':[{'functionResponse':{'name':'f','parts':5}}]}]}",
	  "contents[1].parts[0].functionResponse.parts must be a list of parts" },
	{ __LINE__, "{'contents':[{'parts':[{'executableCode':{'language':'PYTHON','code':'1'}}]}]}",
	  "contents[0].parts[0]: executableCode and codeExecutionResult parts are not supported" },
	{ __LINE__, "{'contents':[{'role':'model','parts':[{'codeExecutionResult':{'outcome':'OUTCOME_OK'}}]}]}",
	  "executableCode and codeExecutionResult parts are not supported" },
	/* system */
	{ __LINE__, "{'systemInstruction':5,'contents':[{'parts':[{'text':'q'}]}]}",
	  "systemInstruction must be a Content object, a string or a list of parts" },
	{ __LINE__, "{'systemInstruction':{'parts':[{'inlineData':{'mimeType':'image/png','data':'AAAA'}}]},"
	  "'contents':[{'parts':[{'text':'q'}]}]}",
	  "systemInstruction.parts[0]: only text parts are supported in systemInstruction" },
	{ __LINE__, "{'systemInstruction':{'parts':'x'},'contents':[{'parts':[{'text':'q'}]}]}",
	  "systemInstruction.parts must be a list of parts" },
	{ __LINE__, "{'systemInstruction':{'parts':[{'text':1}]},'contents':[{'parts':[{'text':'q'}]}]}",
	  "systemInstruction.parts[0].text must be a string" },
	{ __LINE__, "{'systemInstruction':[5],'contents':[{'parts':[{'text':'q'}]}]}",
	  "systemInstruction.parts[0] must be an object" },
	/* tools */
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':'x'}",
	  "tools must be a list of Tool objects" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[5]}", "tools[0] must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'googleSearch':{}}]}",
	  "tools[0].googleSearch is not supported by this model (only functionDeclarations)" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[],"
	  "'code_execution':{}}]}",
	  "tools[0].code_execution is not supported by this model" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'urlContext':{}}]}",
	  "tools[0].urlContext is not supported" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':5}]}",
	  "tools[0].functionDeclarations must be a list" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[5]}]}",
	  "tools[0].functionDeclarations[0] must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':[{'name':''}]}]}",
	  "tools[0].functionDeclarations[0].name must be a non-empty string" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':"
	  "[{'name':'a','description':5}]}]}",
	  "tools[0].functionDeclarations[0].description must be a string" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{},{'functionDeclarations':"
	  "[{'name':'a'},{'name':'b','parameters':[]}]}]}",
	  "tools[1].functionDeclarations[1].parameters must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':"
	  "[{'name':'a','parametersJsonSchema':true}]}]}",
	  "tools[0].functionDeclarations[0].parametersJsonSchema must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{'functionDeclarations':"
	  "[{'name':'a','parameters':{},'parametersJsonSchema':{}}]}]}",
	  "tools[0].functionDeclarations[0]: set parameters or parametersJsonSchema, not both" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'toolConfig':[]}",
	  "toolConfig must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'toolConfig':{'functionCallingConfig':5}}",
	  "toolConfig.functionCallingConfig must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'toolConfig':{'functionCallingConfig':"
	  "{'mode':'SOMETIMES'}}}",
	  "toolConfig.functionCallingConfig.mode must be one of AUTO, ANY, NONE, VALIDATED" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'toolConfig':{'functionCallingConfig':{'mode':1}}}",
	  "toolConfig.functionCallingConfig.mode must be a string" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'toolConfig':{'functionCallingConfig':"
	  "{'mode':'ANY','allowedFunctionNames':[1]}}}",
	  "allowedFunctionNames must be a list of strings" },
	/* generationConfig */
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':[]}",
	  "generationConfig must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'candidateCount':2}}",
	  "generationConfig.candidateCount > 1 is not supported by this model" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'candidateCount':-1}}",
	  "generationConfig.candidateCount must be a non-negative integer" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'maxOutputTokens':-5}}",
	  "generationConfig.maxOutputTokens must be a positive integer" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'maxOutputTokens':1.5}}",
	  "generationConfig.maxOutputTokens must be a positive integer" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'maxOutputTokens':'9'}}",
	  "generationConfig.maxOutputTokens must be a positive integer" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'temperature':3}}",
	  "generationConfig.temperature must be a number between 0 and 2" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'temperature':-0.1}}",
	  "generationConfig.temperature must be a number between 0 and 2" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'topP':1.5}}",
	  "generationConfig.topP must be a number between 0 and 1" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'top_p':'x'}}",
	  "generationConfig.topP must be a number between 0 and 1" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'topK':-1}}",
	  "generationConfig.topK must be a non-negative integer" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'topK':1.5}}",
	  "generationConfig.topK must be a non-negative integer" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'stopSequences':5}}",
	  "generationConfig.stopSequences must be a list of strings" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'stopSequences':['a',1]}}",
	  "generationConfig.stopSequences[1] must be a string" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'responseModalities':"
	  "['TEXT','IMAGE']}}",
	  "generationConfig.responseModalities: only TEXT output is supported by this model" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'responseMimeType':"
	  "'text/x.enum'}}",
	  "generationConfig.responseMimeType 'text/x.enum' is not supported by this model" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'responseMimeType':5}}",
	  "generationConfig.responseMimeType must be a string" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'responseSchema':"
	  "{'type':'OBJECT'}}}",
	  "generationConfig.responseSchema needs responseMimeType \"application/json\"" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'responseMimeType':"
	  "'application/json','responseSchema':{},'responseJsonSchema':{}}}",
	  "generationConfig: set responseSchema or responseJsonSchema, not both" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'responseMimeType':"
	  "'application/json','responseJsonSchema':[]}}",
	  "generationConfig.responseJsonSchema must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':5}}",
	  "generationConfig.thinkingConfig must be an object" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingBudget':-2}}}",
	  "generationConfig.thinkingConfig.thinkingBudget must be -1 (dynamic), 0 (off) or a number "
	  "of tokens" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingBudget':4294967296}}}",
	  "thinkingBudget must be -1 (dynamic)" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingBudget':'high'}}}",
	  "thinkingBudget must be -1 (dynamic)" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingLevel':'ULTRA'}}}",
	  "generationConfig.thinkingConfig.thinkingLevel must be one of MINIMAL, LOW, MEDIUM, HIGH" },
	{ __LINE__, "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{'thinkingConfig':"
	  "{'thinkingBudget':1024,'thinkingLevel':'LOW'}}}",
	  "generationConfig.thinkingConfig: set thinkingBudget or thinkingLevel, not both" },
};

static void run_ok(void)
{
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *in = q(ok[i].in), *want = q(ok[i].want);
		struct xl_gem_in_opts o = { "claude", ok[i].cap, !!(ok[i].flags & S), !!(ok[i].flags & K) };
		struct buf out;
		char err[256] = "";
		buf_init(&out, 1 << 20);
		CASE(ok[i].name) {
			int rc = xl_gem_to_anth(str_cstr(in), &o, &out, err, sizeof(err));
			CHECK(rc == 0, "line %d: rc %d (%s)", ok[i].line, rc, err);
			CHECK(rc != 0 || json_validate(buf_data(&out), buf_len(&out), NULL) == 0,
			      "line %d: output is not valid JSON", ok[i].line);
			CHECK(rc != 0 || (buf_len(&out) == strlen(want) &&
			                  memcmp(buf_data(&out), want, strlen(want)) == 0),
			      "line %d:\n  got  %.*s\n  want %s", ok[i].line, (int)buf_len(&out),
			      buf_data(&out) ? buf_data(&out) : "", want);
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
		char name[64];
		snprintf(name, sizeof(name), "400 at line %d", bad[i].line);
		CASE(name) {
			/* both modes refuse the same requests */
			for (int keep = 0; keep < 2; keep++) {
				struct xl_gem_in_opts o = { "claude", CAP, 0, keep };
				struct buf out;
				char err[256] = "";
				buf_init(&out, 1 << 20);
				buf_puts(&out, "keep");
				int rc = xl_gem_to_anth(str_cstr(in), &o, &out, err, sizeof(err));
				CHECK(rc == -1, "line %d: rc %d (keep %d)", bad[i].line, rc, keep);
				CHECK(strstr(err, bad[i].err) != NULL, "line %d: err '%s', want '%s'",
				      bad[i].line, err, bad[i].err);
				CHECK(buf_len(&out) == 4 && memcmp(buf_data(&out), "keep", 4) == 0,
				      "line %d: out was touched", bad[i].line);
				buf_free(&out);
			}
		}
		free(in);
	}
}

/* A deep value: "[" * n then "]" * n. */
static void put_nest(struct buf *b, int n)
{
	for (int i = 0; i < n; i++)
		buf_putc(b, '[');
	for (int i = 0; i < n; i++)
		buf_putc(b, ']');
}

/* A request whose responseSchema is depth objects deep, each nullable. */
static void deep_schema(struct buf *in, int depth)
{
	buf_puts(in, "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
	             "{\"responseMimeType\":\"application/json\",\"responseSchema\":");
	for (int i = 0; i < depth - 1; i++)
		buf_puts(in, "{\"nullable\":true,\"type\":\"ARRAY\",\"items\":");
	buf_puts(in, "{\"type\":\"STRING\",\"nullable\":true}");
	for (int i = 0; i < depth - 1; i++)
		buf_putc(in, '}');
	buf_puts(in, "}}");
}

static void run_misc(void)
{
	CASE("the unmatched-response message, exactly") {
		char err[256];
		struct buf out;
		struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
		char *in = q("{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':[{'functionCall':"
		             "{'name':'f'}}]},{'role':'user','parts':[{'text':'x'},{'functionResponse':"
		             "{'name':'get_weather','response':{}}}]}]}");
		buf_init(&out, 1 << 20);
		int rc = xl_gem_to_anth(str_cstr(in), &o, &out, err, sizeof(err));
		CHECK(rc == -1, "rc %d", rc);
		CHECK(strcmp(err, "contents[2].parts[1].functionResponse: no earlier functionCall named "
		                  "'get_weather' is waiting for a response") == 0, "err '%s'", err);
		buf_free(&out);
		free(in);
	}
	CASE("appends to out") {
		char err[256];
		struct buf out;
		struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
		buf_init(&out, 1 << 20);
		buf_puts(&out, "X");
		int rc = xl_gem_to_anth(STR_LIT("{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}]}"), &o, &out,
		                        err, sizeof(err));
		const char *want = "X{\"model\":\"claude\",\"max_tokens\":8192,\"messages\":"
		                   "[{\"role\":\"user\",\"content\":\"q\"}]}";
		CHECK(rc == 0 && buf_len(&out) == strlen(want) &&
		      memcmp(buf_data(&out), want, strlen(want)) == 0, "rc %d", rc);
		buf_free(&out);
	}
	CASE("out's cap: -2, out unchanged") {
		char err[256];
		struct buf out;
		struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
		buf_init(&out, 40);
		buf_puts(&out, "keep");
		int rc = xl_gem_to_anth(STR_LIT("{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}]}"), &o, &out,
		                        err, sizeof(err));
		CHECK(rc == -2 && buf_len(&out) == 4 && err[0], "rc %d len %zu", rc, buf_len(&out));
		buf_free(&out);
	}
	CASE("no options or no model: -2") {
		char err[64];
		struct buf out;
		struct xl_gem_in_opts o = { NULL, CAP, 0, 0 };
		buf_init(&out, 1 << 20);
		CHECK(xl_gem_to_anth(STR_LIT("{}"), NULL, &out, err, sizeof(err)) == -2, "NULL opts");
		CHECK(xl_gem_to_anth(STR_LIT("{}"), &o, &out, err, sizeof(err)) == -2, "NULL model");
		CHECK(buf_len(&out) == 0, "out touched");
		buf_free(&out);
	}
	CASE("NULL err with errlen 0; empty body") {
		struct buf out;
		struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
		char err[64];
		buf_init(&out, 1 << 20);
		CHECK(xl_gem_to_anth(STR_LIT("{}"), &o, &out, NULL, 0) == -1, "rc");
		CHECK(xl_gem_to_anth(STR_NULL, &o, &out, err, sizeof(err)) == -1, "empty body");
		buf_free(&out);
	}
	CASE("a short err buffer is truncated, NUL-terminated") {
		char err[8];
		struct buf out;
		struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
		buf_init(&out, 1 << 20);
		int rc = xl_gem_to_anth(STR_LIT("{}"), &o, &out, err, sizeof(err));
		CHECK(rc == -1 && strlen(err) == 7, "rc %d err '%s'", rc, err);
		buf_free(&out);
	}
	CASE("args nested too deeply for the output are refused; at the limit they pass") {
		/* args sit 7 deep in the request with lists (so they can never be too
		 * deep there), 5 deep with bare contents/parts objects, 6 deep in the output. */
		for (int bare = 0; bare < 2; bare++)
			for (int extra = 0; extra < 2; extra++) {
				struct buf in, out;
				char err[256];
				struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
				int depth = JSON_MAX_DEPTH - 5 + extra - !bare; /* of args itself */
				buf_init(&in, 1 << 20);
				buf_init(&out, 1 << 22);
				buf_puts(&in, bare ? "{\"contents\":{\"role\":\"model\",\"parts\":{\"functionCall\":"
				                     "{\"name\":\"f\",\"args\":{\"a\":"
				                   : "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":"
				                     "{\"name\":\"f\",\"args\":{\"a\":");
				put_nest(&in, depth - 1);
				buf_puts(&in, bare ? "}}}}}" : "}}}]}]}");
				/* with lists, one level more is too deep as input already */
				int rc = json_validate(buf_data(&in), buf_len(&in), NULL) ? -3
				         : xl_gem_to_anth(buf_str(&in), &o, &out, err, sizeof(err));
				if (rc == -3)
					CHECK(!bare && extra, "the input should be valid");
				else if (extra)
					CHECK(rc == -1 && strstr(err, "nested too deeply"), "bare %d: rc %d %s", bare,
					      rc, err);
				else
					CHECK(rc == 0 && json_validate(buf_data(&out), buf_len(&out), NULL) == 0,
					      "bare %d: rc %d %s", bare, rc, err);
				buf_free(&in);
				buf_free(&out);
			}
	}
	CASE("a nullable schema at the deepest allowed nesting gives valid output") {
		/* The schema sits 3 deep in the output and gains a level (the type
		 * list): at NEST_MAX it is still within JSON_MAX_DEPTH; one more is refused. */
		for (int extra = 0; extra < 2; extra++) {
			struct buf in, out;
			char err[256];
			struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
			int rc;
			buf_init(&in, 1 << 20);
			buf_init(&out, 1 << 22);
			deep_schema(&in, JSON_MAX_DEPTH - 5 + extra);
			CHECK(json_validate(buf_data(&in), buf_len(&in), NULL) == 0, "input valid");
			rc = xl_gem_to_anth(buf_str(&in), &o, &out, err, sizeof(err));
			if (extra) {
				CHECK(rc == -1 && strstr(err, "generationConfig.responseSchema is nested too deeply"),
				      "rc %d %s", rc, err);
			} else {
				CHECK(rc == 0, "rc %d %s", rc, err);
				CHECK(rc != 0 || json_validate(buf_data(&out), buf_len(&out), NULL) == 0,
				      "output is not valid JSON");
				CHECK(rc != 0 || strstr(buf_cstr(&out), "{\"type\":[\"array\",\"null\"],"
				                                        "\"items\":{\"type\":[\"array\""),
				      "not rewritten");
				CHECK(rc != 0 || strstr(buf_cstr(&out), "{\"type\":[\"string\",\"null\"]}}"),
				      "innermost not rewritten");
			}
			buf_free(&in);
			buf_free(&out);
		}
	}
	CASE("20000 parallel calls of one function pair up in order, fast") {
		struct buf in, out;
		char err[256];
		struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
		int n = 20000, rc;
		clock_t t0 = clock();
		buf_init(&in, 1 << 24);
		buf_init(&out, 1 << 26);
		buf_puts(&in, "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]},{\"role\":\"model\",\"parts\":[");
		for (int i = 0; i < n; i++)
			buf_printf(&in, "%s{\"functionCall\":{\"name\":\"f%d\"}}", i ? "," : "", i % 3);
		buf_puts(&in, "]},{\"parts\":[");
		for (int i = 0; i < n; i++)
			buf_printf(&in, "%s{\"functionResponse\":{\"name\":\"f%d\",\"response\":{\"output\":\"%d\"}}}",
			           i ? "," : "", i % 3, i);
		buf_puts(&in, "]}]}");
		rc = xl_gem_to_anth(buf_str(&in), &o, &out, err, sizeof(err));
		CHECK(rc == 0, "rc %d %s", rc, err);
		CHECK(rc != 0 || strstr(buf_data(&out), "{\"type\":\"tool_result\",\"tool_use_id\":"
		                                        "\"toolu_gem_20000\",\"content\":\"19999\"}]}]}"),
		      "last pair");
		CHECK(rc != 0 || strstr(buf_data(&out), "{\"type\":\"tool_result\",\"tool_use_id\":"
		                                        "\"toolu_gem_7\",\"content\":\"6\"}"),
		      "a middle pair");
		CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0, "too slow");
		buf_free(&in);
		buf_free(&out);
	}
	CASE("responses answered in reverse name order still pair by name") {
		char err[256];
		struct buf out;
		struct xl_gem_in_opts o = { "claude", CAP, 0, 0 };
		char *in = q("{'contents':[{'role':'model','parts':[{'functionCall':{'name':'a'}},"
		             "{'functionCall':{'name':'b'}}]},{'parts':[{'functionResponse':{'name':'b',"
		             "'response':{'output':'B'}}},{'functionResponse':{'name':'a','response':"
		             "{'output':'A'}}}]}]}");
		char *want = q("{'model':'claude','max_tokens':8192,'messages':[{'role':'assistant',"
		               "'content':[{'type':'tool_use','id':'toolu_gem_1','name':'a','input':{}},"
		               "{'type':'tool_use','id':'toolu_gem_2','name':'b','input':{}}]},"
		               "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_gem_2',"
		               "'content':'B'},{'type':'tool_result','tool_use_id':'toolu_gem_1',"
		               "'content':'A'}]}]}");
		buf_init(&out, 1 << 20);
		int rc = xl_gem_to_anth(str_cstr(in), &o, &out, err, sizeof(err));
		CHECK(rc == 0 && buf_len(&out) == strlen(want) &&
		      memcmp(buf_data(&out), want, strlen(want)) == 0, "rc %d got %.*s", rc,
		      (int)buf_len(&out), buf_data(&out) ? buf_data(&out) : "");
		buf_free(&out);
		free(in);
		free(want);
	}
}

/* ---- xl_gem_path --------------------------------------------------------------------- */

static void run_path(void)
{
	static const struct {
		int line;
		const char *path;
		int rc, stream;
		const char *model;
	} pt[] = {
		{ __LINE__, "/gemini/v1beta/models/gemini-2.5-flash:generateContent", 0, 0, "gemini-2.5-flash" },
		{ __LINE__, "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent", 0, 1,
		  "gemini-2.5-flash" },
		{ __LINE__, "/gemini/v1/models/gemini-3-pro-preview:streamGenerateContent", 0, 1,
		  "gemini-3-pro-preview" },
		{ __LINE__, "/gemini/v1/models/g-text:generateContent?alt=sse", 0, 0, "g-text" },
		{ __LINE__, "/gemini/v1beta/models/models/gemini-pro:generateContent", 0, 0, "gemini-pro" },
		{ __LINE__, "/gemini/v1beta/models/models%2Fgemini-pro:generateContent", 0, 0, "gemini-pro" },
		{ __LINE__, "/gemini/v1beta/models/models/models/x:generateContent", 0, 0, "models/x" },
		{ __LINE__, "/gemini/v1beta/models/llama3:8b:generateContent", 0, 0, "llama3:8b" },
		{ __LINE__, "/gemini/v1beta/models/anthropic/claude-3.5.sonnet:generateContent", 0, 0,
		  "anthropic/claude-3.5.sonnet" },
		{ __LINE__, "/gemini/v1beta/models/my%20model%3ax%2d1:generateContent", 0, 0, "my model:x-1" },
		{ __LINE__, "/gemini/v1beta/models/a+b%C3%A9:generateContent", 0, 0, "a+b\xc3\xa9" },
		{ __LINE__, "/gemini/v1beta/models/:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/models/:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/models%2F:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x:countTokens", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x:GenerateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x:generateContent/", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models", -1, 0, NULL },
		{ __LINE__, "/gemini/v2/models/x:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/tunedModels/x:generateContent", -1, 0, NULL },
		{ __LINE__, "/v1beta/models/x:generateContent", -1, 0, NULL },
		{ __LINE__, "/GEMINI/v1beta/models/x:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x%2:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x%:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x%zz:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x%00:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x%0a:generateContent", -1, 0, NULL },
		{ __LINE__, "/gemini/v1beta/models/x\t:generateContent", -1, 0, NULL },
		{ __LINE__, "", -1, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(pt) / sizeof(pt[0]); i++) {
		char name[64];
		struct buf m;
		int st = -7;
		snprintf(name, sizeof(name), "path at line %d", pt[i].line);
		buf_init(&m, 512);
		buf_puts(&m, "<");
		CASE(name) {
			int rc = xl_gem_path(str_cstr(pt[i].path), &m, &st);
			CHECK(rc == pt[i].rc, "line %d: rc %d", pt[i].line, rc);
			if (pt[i].rc == 0) {
				CHECK(st == pt[i].stream, "line %d: stream %d", pt[i].line, st);
				CHECK(buf_len(&m) == strlen(pt[i].model) + 1 &&
				      memcmp(buf_data(&m) + 1, pt[i].model, strlen(pt[i].model)) == 0,
				      "line %d: model '%.*s'", pt[i].line, (int)buf_len(&m), buf_data(&m));
			} else {
				CHECK(st == -7 && buf_len(&m) == 1, "line %d: touched", pt[i].line);
			}
		}
		buf_free(&m);
	}
	CASE("path: a model longer than model_out's cap is a 404") {
		struct buf m;
		buf_init(&m, 4);
		CHECK(xl_gem_path(STR_LIT("/gemini/v1/models/abcde:generateContent"), &m, NULL) == -1, "rc");
		CHECK(buf_len(&m) == 0, "touched");
		buf_free(&m);
		buf_init(&m, 5);
		CHECK(xl_gem_path(STR_LIT("/gemini/v1/models/abcde:generateContent"), &m, NULL) == 0, "fits");
		buf_free(&m);
	}
	CASE("path: NULL span and NULL buffer") {
		struct buf m;
		buf_init(&m, 64);
		CHECK(xl_gem_path(STR_NULL, &m, NULL) == -1, "NULL path");
		CHECK(xl_gem_path(STR_LIT("/gemini/v1/models/x:generateContent"), NULL, NULL) == -1, "NULL buf");
		buf_free(&m);
	}
}

int main(void)
{
	run_ok();
	run_bad();
	run_misc();
	run_path();
	return t_done("xl_gem_anth");
}
