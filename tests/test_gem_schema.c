/* test_gem_schema.c: JSON Schema -> Gemini's OpenAPI subset. Every
 * expected schema is written out in full; in the tables a single quote
 * stands for a double quote (\u0027 for an apostrophe). The Claude Code
 * schemas are the 2.1.330 ones (captured from a real request, see
 * tests/fuzz/corpus/xl_anth_gem/claude_code_2.1.330.json) with their long
 * descriptions shortened; every keyword they use is kept. */
#include "gem_schema.h"

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

struct row {
	int line;
	const char *in, *want;
};

static void run_rows(const char *name, const struct row *r, size_t n)
{
	CASE(name)
	{
		for (size_t i = 0; i < n; i++) {
			char *qi = q(r[i].in), *qw = q(r[i].want), err[128];
			struct buf out;
			int rc;
			buf_init(&out, 1 << 20);
			rc = gem_schema_sanitize(str_cstr(qi), &out, err, sizeof(err));
			CHECK(rc == 0, "line %d: rc %d err %s", r[i].line, rc, err);
			if (rc == 0) {
				CHECK(json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "line %d: invalid JSON",
				      r[i].line);
				CHECK(buf_len(&out) == strlen(qw) && memcmp(buf_data(&out), qw, strlen(qw)) == 0,
				      "line %d:\n got  %.*s\n want %s", r[i].line, (int)buf_len(&out), buf_data(&out), qw);
			}
			buf_free(&out);
			free(qi);
			free(qw);
		}
	}
}

#define S "'$schema':'https://json-schema.org/draft/2020-12/schema',"
#define NOADD ",'additionalProperties':false"

/* ---- the Claude Code 2.1.330 tools ------------------------------------------------------ */

static const struct row claude_code[] = {
	/* Agent: enums of strings kept */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'description':{'description':'short','type':'string'},"
	  "'prompt':{'description':'task','type':'string'},'subagent_type':{'description':'kind','type':'string'},"
	  "'model':{'description':'override','type':'string','enum':['sonnet','opus','haiku','fable']},"
	  "'effort':{'description':'effort','type':'string','enum':['low','medium','high','xhigh','max']},"
	  "'run_in_background':{'description':'bg','type':'boolean'},"
	  "'isolation':{'description':'mode','type':'string','enum':['worktree','remote']}},"
	  "'required':['description','prompt']" NOADD "}",
	  "{'type':'object','properties':{'description':{'type':'string','description':'short'},"
	  "'prompt':{'type':'string','description':'task'},'subagent_type':{'type':'string','description':'kind'},"
	  "'model':{'type':'string','description':'override','enum':['sonnet','opus','haiku','fable']},"
	  "'effort':{'type':'string','description':'effort','enum':['low','medium','high','xhigh','max']},"
	  "'run_in_background':{'type':'boolean','description':'bg'},"
	  "'isolation':{'type':'string','description':'mode','enum':['worktree','remote']}},"
	  "'required':['description','prompt']}" },
	/* Bash (2.1.330 has no exclusiveMinimum on timeout; 2.1.197 did, see below) */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'command':{'description':'The command to execute','type':'string'},"
	  "'timeout':{'description':'ms','type':'number'},'description':{'description':'what it does','type':'string'},"
	  "'run_in_background':{'description':'bg','type':'boolean'},"
	  "'dangerouslyDisableSandbox':{'description':'no sandbox','type':'boolean'}},'required':['command']" NOADD "}",
	  "{'type':'object','properties':{'command':{'type':'string','description':'The command to execute'},"
	  "'timeout':{'type':'number','description':'ms'},'description':{'type':'string','description':'what it does'},"
	  "'run_in_background':{'type':'boolean','description':'bg'},"
	  "'dangerouslyDisableSandbox':{'type':'boolean','description':'no sandbox'}},'required':['command']}" },
	/* Edit: default false already said in the description: no second note */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'file_path':{'description':'abs path','type':'string'},"
	  "'old_string':{'description':'old','type':'string'},'new_string':{'description':'new','type':'string'},"
	  "'replace_all':{'description':'Replace all occurrences of old_string (default false)','default':false,'type':'boolean'}},"
	  "'required':['file_path','old_string','new_string']" NOADD "}",
	  "{'type':'object','properties':{'file_path':{'type':'string','description':'abs path'},"
	  "'old_string':{'type':'string','description':'old'},'new_string':{'type':'string','description':'new'},"
	  "'replace_all':{'type':'boolean','description':'Replace all occurrences of old_string (default false)'}},"
	  "'required':['file_path','old_string','new_string']}" },
	/* ListAgents: maxLength kept, no required */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'channel':{'description':'n/a','type':'string','maxLength':256},"
	  "'q':{'description':'n/a','type':'string','maxLength':256},'cursor':{'description':'page','type':'string','maxLength':256}}" NOADD "}",
	  "{'type':'object','properties':{'channel':{'type':'string','description':'n/a','maxLength':256},"
	  "'q':{'type':'string','description':'n/a','maxLength':256},'cursor':{'type':'string','description':'page','maxLength':256}}}" },
	/* Read: exclusiveMinimum -> description; 2^53-1 bounds copied as written */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'file_path':{'description':'abs','type':'string'},"
	  "'offset':{'description':'line','type':'integer','minimum':0,'maximum':9007199254740991},"
	  "'limit':{'description':'lines.','type':'integer','exclusiveMinimum':0,'maximum':9007199254740991},"
	  "'pages':{'description':'1-5','type':'string'},'allow_large':{'description':'big','type':'boolean'}},"
	  "'required':['file_path']" NOADD "}",
	  "{'type':'object','properties':{'file_path':{'type':'string','description':'abs'},"
	  "'offset':{'type':'integer','description':'line','minimum':0,'maximum':9007199254740991},"
	  "'limit':{'type':'integer','description':'lines. (> 0)','maximum':9007199254740991},"
	  "'pages':{'type':'string','description':'1-5'},'allow_large':{'type':'boolean','description':'big'}},"
	  "'required':['file_path']}" },
	/* ReportFindings: an array of objects, each with its own required */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'level':{'description':'lvl','type':'string','enum':['low','max']},"
	  "'findings':{'description':'found','maxItems':32,'type':'array','items':{'type':'object','properties':{"
	  "'file':{'description':'f','type':'string'},'line':{'description':'l','type':'integer','minimum':-9007199254740991,'maximum':9007199254740991},"
	  "'summary':{'description':'s','type':'string'},'short_summary':{'description':'\u226460','type':'string','maxLength':60},"
	  "'severity':{'description':'sev','type':'string','enum':['important','pre_existing','nit']}},"
	  "'required':['file','summary','failure_scenario']" NOADD "}}},'required':['findings']" NOADD "}",
	  "{'type':'object','properties':{'level':{'type':'string','description':'lvl','enum':['low','max']},"
	  "'findings':{'type':'array','description':'found','items':{'type':'object','properties':{"
	  "'file':{'type':'string','description':'f'},'line':{'type':'integer','description':'l','minimum':-9007199254740991,'maximum':9007199254740991},"
	  "'summary':{'type':'string','description':'s'},'short_summary':{'type':'string','description':'\xe2\x89\xa4" "60','maxLength':60},"
	  "'severity':{'type':'string','description':'sev','enum':['important','pre_existing','nit']}},"
	  "'required':['file','summary']},'maxItems':32}},'required':['findings']}" },
	/* ScheduleWakeup: no required at all */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'delaySeconds':{'description':'s','type':'number'},"
	  "'reason':{'description':'why','type':'string'},'stop':{'description':'end','type':'boolean'}}" NOADD "}",
	  "{'type':'object','properties':{'delaySeconds':{'type':'number','description':'s'},"
	  "'reason':{'type':'string','description':'why'},'stop':{'type':'boolean','description':'end'}}}" },
	/* Skill */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'skill':{'description':'name','type':'string'},"
	  "'args':{'description':'args','type':'string'}},'required':['skill']" NOADD "}",
	  "{'type':'object','properties':{'skill':{'type':'string','description':'name'},"
	  "'args':{'type':'string','description':'args'}},'required':['skill']}" },
	/* ToolSearch: default -> description */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'query':{'description':'q','type':'string'},"
	  "'max_results':{'description':'Maximum number of results','default':5,'type':'number'}},"
	  "'required':['query','max_results']" NOADD "}",
	  "{'type':'object','properties':{'query':{'type':'string','description':'q'},"
	  "'max_results':{'type':'number','description':'Maximum number of results (default: 5)'}},"
	  "'required':['query','max_results']}" },
	/* Workflow: an untyped property (any JSON value) stays untyped; pattern -> description */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'script':{'description':'js','type':'string','maxLength':524288},"
	  "'title':{'description':'Ignored','type':'string'},'args':{'description':'Any value.'},"
	  "'resumeFromRunId':{'description':'Run ID.','type':'string','pattern':'^wf_[a-z0-9-]{6,}$'}}" NOADD "}",
	  "{'type':'object','properties':{'script':{'type':'string','description':'js','maxLength':524288},"
	  "'title':{'type':'string','description':'Ignored'},'args':{'description':'Any value.'},"
	  "'resumeFromRunId':{'type':'string','description':'Run ID. (pattern: ^wf_[a-z0-9-]{6,}$)'}}}" },
	/* DeferredToolPlaceholder: no properties */
	{ __LINE__, "{'type':'object','properties':{}}", "{'type':'object'}" },
	/* Write */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'file_path':{'description':'abs','type':'string'},"
	  "'content':{'description':'text','type':'string'}},'required':['file_path','content']" NOADD "}",
	  "{'type':'object','properties':{'file_path':{'type':'string','description':'abs'},"
	  "'content':{'type':'string','description':'text'}},'required':['file_path','content']}" },
	/* WebFetch: format uri is not Gemini's -> description */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'url':{'description':'The URL to fetch content from','type':'string','format':'uri'},"
	  "'offset':{'type':'integer','minimum':0}},'required':['url','prompt']" NOADD "}",
	  "{'type':'object','properties':{'url':{'type':'string','description':'The URL to fetch content from (format: uri)'},"
	  "'offset':{'type':'integer','minimum':0}},'required':['url']}" },
	/* WebSearch: minLength, arrays of strings */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'query':{'type':'string','minLength':2},"
	  "'allowed_domains':{'description':'only','type':'array','items':{'type':'string'}}},'required':['query']" NOADD "}",
	  "{'type':'object','properties':{'query':{'type':'string','minLength':2},"
	  "'allowed_domains':{'type':'array','description':'only','items':{'type':'string'}}},'required':['query']}" },
	/* Monitor: default beside bounds, a nested object, a pattern on array items */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'timeout_ms':{'description':'Kill after this.','default':300000,'type':'number','minimum':1000,'maximum':3600000},"
	  "'ws':{'description':'socket','type':'object','properties':{'url':{'type':'string'},"
	  "'protocols':{'type':'array','items':{'type':'string','pattern':'^[!#$%&*+.^_`|~0-9A-Za-z-]+$'}}},'required':['url']" NOADD "}},"
	  "'required':['description','timeout_ms']" NOADD "}",
	  "{'type':'object','properties':{'timeout_ms':{'type':'number','description':'Kill after this. (default: 300000)','minimum':1000,'maximum':3600000},"
	  "'ws':{'type':'object','description':'socket','properties':{'url':{'type':'string'},"
	  "'protocols':{'type':'array','items':{'type':'string','description':'(pattern: ^[!#$%&*+.^_`|~0-9A-Za-z-]+$)'}}},'required':['url']}},"
	  "'required':['timeout_ms']}" },
	/* SendMessage: allOf of two patterns (the first is kept); default '' */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'to':{'description':'Recipient','type':'string','allOf':[{'pattern':'^[^\\\\n\\\\r]*$'},{'pattern':'^[\\\\s\\\\S]{0,300}$'}]},"
	  "'message':{'default':'','description':'Plain text','type':'string'}},'required':['to','message']" NOADD "}",
	  "{'type':'object','properties':{'to':{'type':'string','description':'Recipient (pattern: ^[^\\\\n\\\\r]*$)'},"
	  "'message':{'type':'string','description':'Plain text (default: \\'\\')'}},'required':['to','message']}" },
	/* 2.1.197: Bash timeout with exclusiveMinimum, ScheduleWakeup delay pattern */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'command':{'type':'string'},'timeout':{'type':'number','exclusiveMinimum':0,'maximum':600000},"
	  "'run_in_background':{'type':'boolean','default':false}},'required':['command']" NOADD "}",
	  "{'type':'object','properties':{'command':{'type':'string'},'timeout':{'type':'number','description':'(> 0)','maximum':600000},"
	  "'run_in_background':{'type':'boolean','description':'(default: false)'}},'required':['command']}" },
	/* 2.1.197: propertyNames, an additionalProperties schema (a map) */
	{ __LINE__,
	  "{" S "'type':'object','properties':{'name':{'type':'string'},'inputs':{'type':'object','propertyNames':{'pattern':'^[a-z]+$'},"
	  "'additionalProperties':{'type':'string'}}},'required':['name']" NOADD "}",
	  "{'type':'object','properties':{'name':{'type':'string'},'inputs':{'type':'object','description':'(additional properties: string)'}},"
	  "'required':['name']}" },
	/* 2.1.197: anyOf of consts -> one string enum, member descriptions kept */
	{ __LINE__,
	  "{'type':'object','properties':{'mode':{'description':'How.','anyOf':[{'const':'fast','description':'quick'},{'const':'slow'},{'type':'string','const':'safe','description':'checked'}]}}}",
	  "{'type':'object','properties':{'mode':{'type':'string','description':'How. (fast: quick; safe: checked)','enum':['fast','slow','safe']}}}" },
};

/* ---- keywords ----------------------------------------------------------------------- */

static const struct row keywords[] = {
	/* removed without a trace */
	{ __LINE__,
	  "{'$schema':'x','$id':'y','$comment':'z','title':'T','examples':[1],'example':2,'readOnly':true,'writeOnly':false,"
	  "'deprecated':true,'unevaluatedProperties':false,'patternProperties':{'^x':{}},'dependentRequired':{},"
	  "'dependentSchemas':{},'if':{},'then':{},'else':{},'not':{},'contentMediaType':'a','contentEncoding':'b',"
	  "'minProperties':1,'maxProperties':3,'x-custom':1,'type':'object','properties':{'a':{'type':'string','title':'A'}}}",
	  "{'type':'object','properties':{'a':{'type':'string'}}}" },
	/* const -> one-value enum; a numeric const and numeric/boolean enums -> description */
	{ __LINE__,
	  "{'type':'object','properties':{'k':{'const':'fixed'},'n':{'type':'integer','const':5},'e':{'type':'integer','enum':[1,2,3]},"
	  "'f':{'enum':[0.5,1]},'b':{'type':'boolean','enum':[true]},'m':{'enum':['a',1]}}}",
	  "{'type':'object','properties':{'k':{'type':'string','enum':['fixed']},'n':{'type':'integer','description':'(must be 5)'},"
	  "'e':{'type':'integer','description':'(one of: 1, 2, 3)'},'f':{'type':'number','description':'(one of: 0.5, 1)'},"
	  "'b':{'type':'boolean','description':'(must be true)'},'m':{'type':'string','description':'(one of: \\'a\\', 1)'}}}" },
	/* null in an enum -> nullable; null const alone */
	{ __LINE__,
	  "{'type':'object','properties':{'a':{'type':['string','null'],'enum':['x','y',null]},'c':{'const':null}}}",
	  "{'type':'object','properties':{'a':{'type':'string','nullable':true,'enum':['x','y']},'c':{'nullable':true}}}" },
	/* formats: Gemini's kept, others described */
	{ __LINE__,
	  "{'type':'object','properties':{'t':{'type':'string','format':'date-time'},'u':{'type':'string','format':'email','description':'Mail.'},"
	  "'i':{'type':'integer','format':'int64'},'j':{'type':'integer','format':'float'},'d':{'type':'number','format':'double'},"
	  "'x':{'type':'string','format':'date'},'e':{'type':'string','format':'enum','enum':['a']},'g':{'type':'string','format':'enum'}}}",
	  "{'type':'object','properties':{'t':{'type':'string','format':'date-time'},'u':{'type':'string','description':'Mail. (format: email)'},"
	  "'i':{'type':'integer','format':'int64'},'j':{'type':'integer','description':'(format: float)'},'d':{'type':'number','format':'double'},"
	  "'x':{'type':'string','description':'(format: date)'},'e':{'type':'string','format':'enum','enum':['a']},'g':{'type':'string','description':'(format: enum)'}}}" },
	/* bounds: exclusive both ways, draft-4 booleans, multipleOf; several notes join with '; ' */
	{ __LINE__,
	  "{'type':'object','properties':{'a':{'type':'number','exclusiveMinimum':0,'exclusiveMaximum':1.5,'multipleOf':0.5,'description':'A.'},"
	  "'b':{'type':'integer','minimum':1,'exclusiveMinimum':true,'maximum':9,'exclusiveMaximum':false}}}",
	  "{'type':'object','properties':{'a':{'type':'number','description':'A. (> 0; < 1.5; multiple of 0.5)'},"
	  "'b':{'type':'integer','description':'(> 1)','minimum':1,'maximum':9}}}" },
	/* bounds only on their types, and only valid ones */
	{ __LINE__,
	  "{'type':'object','properties':{'s':{'type':'string','minimum':1,'minLength':-1,'maxLength':2.0,'minItems':1},"
	  "'n':{'type':'number','minimum':'1','maximum':2e3,'maxLength':3},'a':{'type':'array','items':{'type':'string'},'minItems':1,'maxItems':'9','minLength':1}}}",
	  "{'type':'object','properties':{'s':{'type':'string','maxLength':2},"
	  "'n':{'type':'number','maximum':2e3},'a':{'type':'array','items':{'type':'string'},'minItems':1}}}" },
	/* uniqueItems, tuples, an array without items */
	{ __LINE__,
	  "{'type':'object','properties':{'u':{'type':'array','items':{'type':'integer'},'uniqueItems':true},"
	  "'t':{'type':'array','prefixItems':[{'type':'integer'},{'type':'integer'}],'minItems':2},"
	  "'o':{'type':'array','items':[{'type':'string'}]},'any':{'type':'array'},'e':{'type':'array','items':[]}}}",
	  "{'type':'object','properties':{'u':{'type':'array','description':'(unique items)','items':{'type':'integer'}},"
	  "'t':{'type':'array','description':'(tuple of 2 items)','items':{'type':'integer'},'minItems':2},"
	  "'o':{'type':'array','description':'(tuple of 1 item)','items':{'type':'string'}},'any':{'type':'array','items':{}},"
	  "'e':{'type':'array','description':'(tuple of 0 items)','items':{}}}}" },
	/* nested arrays of objects of arrays */
	{ __LINE__,
	  "{'type':'object','properties':{'rows':{'type':'array','items':{'type':'array','items':{'type':'object',"
	  "'properties':{'cells':{'type':'array','items':{'type':'object','properties':{'v':{'type':['number','null']}},'required':['v','w']}}},"
	  "'required':['cells']," "'additionalProperties':false}}}},'required':['rows']}",
	  "{'type':'object','properties':{'rows':{'type':'array','items':{'type':'array','items':{'type':'object',"
	  "'properties':{'cells':{'type':'array','items':{'type':'object','properties':{'v':{'type':'number','nullable':true}},'required':['v']}}},"
	  "'required':['cells']}}}},'required':['rows']}" },
	/* required: filtered, first occurrences only, non-strings ignored; empty -> none */
	{ __LINE__,
	  "{'type':'object','properties':{'a':{},'b':{}},'required':['b','x','a','b',1,null,'a']}",
	  "{'type':'object','properties':{'a':{},'b':{}},'required':['b','a']}" },
	{ __LINE__, "{'type':'object','properties':{'a':{}},'required':['z']}", "{'type':'object','properties':{'a':{}}}" },
	{ __LINE__, "{'type':'object','required':['z']}", "{'type':'object'}" },
	/* boolean subschemas; properties and items on the wrong type */
	{ __LINE__,
	  "{'type':'object','properties':{'t':true,'f':false,'bad':3,'s':{'type':'string','properties':{'a':{}},'items':{},'required':['a']}}}",
	  "{'type':'object','properties':{'t':{},'f':{},'s':{'type':'string'}}}" },
	/* type names case-insensitively; unknown type names ignored; integer+number -> number */
	{ __LINE__,
	  "{'type':'OBJECT','properties':{'a':{'type':'String'},'b':{'type':'thing'},'c':{'type':['integer','number']}}}",
	  "{'type':'object','properties':{'a':{'type':'string'},'b':{},'c':{'type':'number'}}}" },
	/* inference without a type */
	{ __LINE__,
	  "{'properties':{'o':{'required':['x']},'a':{'items':{'type':'string'}},'s':{'maxLength':3},'n':{'minimum':0},"
	  "'e':{'enum':['p','q']},'i':{'enum':[1,2]},'z':{'description':'any'}}}",
	  "{'type':'object','properties':{'o':{'type':'object'},'a':{'type':'array','items':{'type':'string'}},'s':{'type':'string','maxLength':3},"
	  "'n':{'type':'number','minimum':0},'e':{'type':'string','enum':['p','q']},'i':{'type':'integer','description':'(one of: 1, 2)'},"
	  "'z':{'description':'any'}}}" },
	/* escapes: property names and descriptions decoded and re-encoded */
	{ __LINE__,
	  "{'type':'object','properties':{'a\\u0062':{'type':'string','description':'tab\\there \\u00e9'},'q\\'':{'type':'string'}},'required':['ab','q\\'']}",
	  "{'type':'object','properties':{'ab':{'type':'string','description':'tab\\there \xc3\xa9'},'q\\'':{'type':'string'}},'required':['ab','q\\'']}" },
	/* duplicate property names: one entry, the later schema wins its keywords */
	{ __LINE__,
	  "{'type':'object','properties':{'a':{'type':'string'},'a':{'type':'integer'}}}",
	  "{'type':'object','properties':{'a':{'type':'integer'}}}" },
};

/* ---- unions, nullability, merging --------------------------------------------------- */

static const struct row unions[] = {
	/* ['string','null'] -> nullable */
	{ __LINE__, "{'type':['string','null'],'description':'d'}", "{'type':'string','description':'d','nullable':true}" },
	/* anyOf/oneOf with one non-null member -> that member, nullable; siblings win */
	{ __LINE__,
	  "{'type':'object','properties':{'a':{'anyOf':[{'type':'integer','description':'inner'},{'type':'null'}],'description':'outer','default':null},"
	  "'b':{'oneOf':[{'$ref':'#/$defs/S'}]},'c':{'anyOf':[{'type':'null'}]}},'$defs':{'S':{'type':'string','minLength':1}}}",
	  "{'type':'object','properties':{'a':{'type':'integer','description':'outer (default: null)','nullable':true},"
	  "'b':{'type':'string','minLength':1},'c':{'nullable':true}}}" },
	/* several members -> anyOf (null ones -> nullable); a pydantic Optional[Union] */
	{ __LINE__,
	  "{'anyOf':[{'type':'string'},{'type':'array','items':{'type':'string'}},{'type':'null'}],'title':'Paths','description':'p'}",
	  "{'description':'p','nullable':true,'anyOf':[{'type':'string'},{'type':'array','items':{'type':'string'}}]}" },
	/* oneOf is sent as anyOf */
	{ __LINE__,
	  "{'oneOf':[{'type':'object','properties':{'a':{'type':'string'}},'required':['a']},{'type':'integer'}]}",
	  "{'anyOf':[{'type':'object','properties':{'a':{'type':'string'}},'required':['a']},{'type':'integer'}]}" },
	/* several types -> one anyOf member per type, each with its keywords */
	{ __LINE__,
	  "{'type':['string','array','null'],'description':'one or many','minLength':1,'items':{'type':'string'},'format':'uri'}",
	  "{'description':'one or many (format: uri)','nullable':true,'anyOf':[{'type':'string','minLength':1},{'type':'array','items':{'type':'string'}}]}" },
	/* a multi-member anyOf on a typed node is a constraint: dropped */
	{ __LINE__,
	  "{'type':'object','properties':{'a':{'type':'string'},'b':{'type':'string'}},'anyOf':[{'required':['a']},{'required':['b']}]}",
	  "{'type':'object','properties':{'a':{'type':'string'},'b':{'type':'string'}}}" },
	/* enum-of-strings members and null collapse into one enum */
	{ __LINE__,
	  "{'anyOf':[{'enum':['a','b']},{'const':'c'},{'type':'null'}]}",
	  "{'type':'string','nullable':true,'enum':['a','b','c']}" },
	/* allOf: properties and required merged, the first type and description win */
	{ __LINE__,
	  "{'allOf':[{'type':'object','properties':{'a':{'type':'string'}},'required':['a']},"
	  "{'description':'second','properties':{'b':{'type':'integer'},'a':{'description':'from b'}},'required':['b','a']}],'description':'top'}",
	  "{'type':'object','description':'top','properties':{'a':{'type':'string','description':'from b'},'b':{'type':'integer'}},'required':['a','b']}" },
};

/* ---- $ref / $defs ------------------------------------------------------------------- */

static const struct row refs[] = {
	/* $defs and definitions inlined; sibling keywords override the definition */
	{ __LINE__,
	  "{'type':'object','properties':{'p':{'$ref':'#/$defs/Point'},'q':{'$ref':'#/definitions/Point','description':'mine'}},"
	  "'$defs':{'Point':{'type':'object','description':'a point','properties':{'x':{'type':'number'},'y':{'type':'number'}},'required':['x','y']}},"
	  "'definitions':{'Point':{'type':'object','properties':{'z':{'type':'number'}}}}}",
	  "{'type':'object','properties':{'p':{'type':'object','description':'a point','properties':{'x':{'type':'number'},'y':{'type':'number'}},'required':['x','y']},"
	  "'q':{'type':'object','description':'mine','properties':{'z':{'type':'number'}}}}}" },
	/* a chain of references, pointer escapes (~1 is /, ~0 is ~, %25 is %) */
	{ __LINE__,
	  "{'type':'object','properties':{'a':{'$ref':'#/$defs/A'},'b':{'$ref':'#/$defs/x~1y~0z%25'}},"
	  "'$defs':{'A':{'$ref':'#/$defs/B'},'B':{'type':'string','enum':['b']},'x/y~z%':{'type':'boolean'}}}",
	  "{'type':'object','properties':{'a':{'type':'string','enum':['b']},'b':{'type':'boolean'}}}" },
	/* a recursive type: the cycle becomes an object with a note */
	{ __LINE__,
	  "{'$ref':'#/$defs/Node','$defs':{'Node':{'type':'object','properties':{'name':{'type':'string'},"
	  "'children':{'type':'array','items':{'$ref':'#/$defs/Node'}}}}}}",
	  "{'type':'object','properties':{'name':{'type':'string'},'children':{'type':'array','items':{'type':'object','description':'(recursive: Node)'}}}}" },
	/* a reference to the root */
	{ __LINE__,
	  "{'type':'object','description':'tree','properties':{'kids':{'type':'array','items':{'$ref':'#','description':'a kid'}}}}",
	  "{'type':'object','description':'tree','properties':{'kids':{'type':'array','items':{'type':'object','description':'a kid (recursive: #)'}}}}" },
	/* external, anchor and dangling references are dropped */
	{ __LINE__,
	  "{'type':'object','properties':{'e':{'$ref':'https://x/s.json','description':'ext'},'n':{'$ref':'#node'},'d':{'$ref':'#/$defs/None','type':'string'},"
	  "'i':{'$ref':'#/properties/e/description'},'k':{'$ref':'#/required/0'}},'required':['e']}",
	  "{'type':'object','properties':{'e':{'description':'ext'},'n':{},'d':{'type':'string'},'i':{},'k':{}},'required':['e']}" },
	/* a big $defs is searched through a sorted index: escaped keys, the last duplicate wins */
	{ __LINE__,
	  "{'type':'object','properties':{'a':{'$ref':'#/$defs/K9'},'b':{'$ref':'#/$defs/d\\u0075p'},'c':{'$ref':'#/$defs/none'}},"
	  "'$defs':{'K1':{},'K2':{},'K3':{},'K4':{},'K5':{},'K6':{},'K7':{},'K8':{},'K9':{'type':'integer'},"
	  "'dup':{'type':'string'},'d\\u0075p':{'type':'boolean'}}}",
	  "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'boolean'},'c':{}}}" },
	/* allOf of a reference to itself adds nothing */
	{ __LINE__, "{'$defs':{'A':{'type':'string','allOf':[{'$ref':'#/$defs/A'}]}},'$ref':'#/$defs/A'}", "{'type':'string'}" },
};

/* ---- limits and errors ------------------------------------------------------------- */

static void limits(void)
{
	CASE("depth cap")
	{
		/* 30 nested objects: levels from 24 on keep only their type */
		struct buf in, out;
		char err[64];
		buf_init(&in, 1 << 16);
		buf_init(&out, 1 << 16);
		for (int i = 0; i < 30; i++)
			buf_puts(&in, "{\"type\":\"object\",\"properties\":{\"a\":");
		buf_puts(&in, "{\"type\":\"string\"}");
		for (int i = 0; i < 30; i++)
			buf_puts(&in, "}}");
		CHECK(gem_schema_sanitize(buf_str(&in), &out, err, sizeof(err)) == 0, "%s", err);
		CHECK(json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "invalid");
		{
			struct buf want;
			buf_init(&want, 1 << 16);
			for (int i = 0; i < 24; i++)
				buf_puts(&want, "{\"type\":\"object\",\"properties\":{\"a\":");
			buf_puts(&want, "{\"type\":\"object\",\"description\":\"(nested schema omitted)\"}");
			for (int i = 0; i < 24; i++)
				buf_puts(&want, "}}");
			CHECK(buf_len(&out) == buf_len(&want) && memcmp(buf_data(&out), buf_data(&want), buf_len(&want)) == 0,
			      "got %.*s", (int)buf_len(&out), buf_data(&out));
			buf_free(&want);
		}
		buf_free(&in);
		buf_free(&out);
	}
	CASE("exponential $ref expansion is bounded")
	{
		/* D0 has two references to D1, D1 two to D2 ... 2^40 leaves if expanded */
		struct buf in, out;
		char err[64];
		buf_init(&in, 1 << 16);
		buf_init(&out, 64 << 20);
		buf_puts(&in, "{\"$ref\":\"#/$defs/D0\",\"$defs\":{");
		for (int i = 0; i < 40; i++)
			buf_printf(&in, "\"D%d\":{\"type\":\"object\",\"properties\":{\"l\":{\"$ref\":\"#/$defs/D%d\"},"
			                "\"r\":{\"$ref\":\"#/$defs/D%d\"}}},",
			           i, i + 1, i + 1);
		buf_puts(&in, "\"D40\":{\"type\":\"string\"}}}");
		CHECK(gem_schema_sanitize(buf_str(&in), &out, err, sizeof(err)) == 0, "%s", err);
		CHECK(json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "invalid");
		CHECK(buf_len(&out) < (8u << 20), "output %zu bytes", buf_len(&out));
		buf_free(&in);
		buf_free(&out);
	}
	CASE("errors")
	{
		static const char *const bad[] = { "", "{", "{\"a\":}", "{\"a\":1}x", "[]", "\"x\"", "true" };
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct buf out;
			char err[64];
			buf_init(&out, 1024);
			buf_puts(&out, "keep");
			CHECK(gem_schema_sanitize(str_cstr(bad[i]), &out, err, sizeof(err)) == -1, "%s", bad[i]);
			CHECK(strcmp(err, i < 4 ? "schema is not valid JSON (or nested too deeply)"
			                         : "schema must be a JSON object") == 0,
			      "%s: %s", bad[i], err);
			CHECK(buf_len(&out) == 4, "out changed for %s", bad[i]);
			buf_free(&out);
		}
	}
	CASE("output cap")
	{
		struct buf out;
		char err[64];
		const char *in = "{\"type\":\"object\",\"properties\":{\"aaaaaaaaaa\":{\"type\":\"string\"}}}";
		buf_init(&out, 20);
		buf_puts(&out, "ab");
		CHECK(gem_schema_sanitize(str_cstr(in), &out, err, sizeof(err)) == -1, "rc");
		CHECK(out.err == BUF_TOOBIG, "err %d", out.err);
		CHECK(strcmp(err, "sanitized schema too large") == 0, "%s", err);
		CHECK(out.len - out.off == 2, "out not restored");
		buf_free(&out);
	}
}

int main(void)
{
	run_rows("claude code tools", claude_code, sizeof(claude_code) / sizeof(claude_code[0]));
	run_rows("keywords", keywords, sizeof(keywords) / sizeof(keywords[0]));
	run_rows("unions", unions, sizeof(unions) / sizeof(unions[0]));
	run_rows("refs", refs, sizeof(refs) / sizeof(refs[0]));
	limits();
	return t_done("gem_schema");
}
