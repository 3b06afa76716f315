"""Regenerates jinja2-goldens.jsonl: chat templates rendered by real Jinja2 in the environment transformers'
apply_chat_template builds (trim_blocks, lstrip_blocks, loopcontrols, HF's tojson and raise_exception).
Usage: python3 jinja2_goldens.py QWEN3_TOKENIZER_CONFIG CHATML_TEMPLATE > jinja2-goldens.jsonl  (needs Jinja2 only)."""
import json
import sys

from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise ValueError(message)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

qwen3 = json.load(open(sys.argv[1]))["chat_template"]
chatml = open(sys.argv[2]).read()
tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather «today» in a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}]
# the Llama 2 chat template as transformers shipped it: slicing, subscripts, boolean comparisons, raise_exception
llama2 = ("{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
          "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
          "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
          "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
          "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
          "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}")
# a mix of what other templates use: loop.length, filters, dict items, membership, inline if, whitespace control
features = ("{%- for m in messages -%}\n"
            "  {{- loop.index }}/{{ loop.length }} {{ m.role | upper }}{{ ' (first)' if loop.first }}: {{ m.content | trim }}\n"
            "  {%- if m.meta is defined %} [{% for k, v in m.meta.items() %}{{ k }}={{ v }}{{ ', ' if not loop.last }}{% endfor %}]{% endif %}\n"
            "  {%- if 'secret' in m.content %} (redacted){% endif %}\n"
            "{% endfor %}\n"
            "{{- messages | map(attribute='role') | join(',') }}|{{ messages | selectattr('role', 'equalto', 'user') | list | length }}")
cases = [
    ("qwen3", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Zürich?"}], True, {"tools": tools}),
    ("qwen3", [{"role": "user", "content": "Weather?"},
               {"role": "assistant", "content": "", "tool_calls": [
                   {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2, "metric": True}}},
                   {"function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
               {"role": "tool", "content": "{\"temp\": 21.5}"}, {"role": "tool", "content": "rain"},
               {"role": "assistant", "content": "<think>\ncompare\n</think>\n\nParis is warmer."}], False, {"tools": tools}),
    ("qwen3", [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "reasoning_content": "because"},
               {"role": "user", "content": "<tool_response>\nx\n</tool_response>"},
               {"role": "assistant", "content": "<think>r2</think>c"}], True, {"enable_thinking": True}),
    ("qwen3", [{"role": "user", "content": "Ünïcödé 中文 😀 \"quotes\" 'single' \\ {{ not a tag }} {% raw %}"},
               {"role": "assistant", "content": "\n\nleading newlines"}], False, {}),
    ("qwen3", [{"role": "system", "content": "s1"}, {"role": "system", "content": "s2"}, {"role": "user", "content": "u"}], True,
     {"enable_thinking": False}),
    ("chatml", [{"role": "system", "content": "You follow the spec."}, {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "<think>\nold\n</think>\n\nHello!"}, {"role": "user", "content": "Again"},
                {"role": "assistant", "content": "<think>\nnew\n</think>\n\nHi again."}], False, {}),
    ("chatml", [{"role": "user", "content": "q"}], True, {"enable_thinking": False}),
    ("chatml", [{"role": "user", "content": "q"}, {"role": "assistant", "content": "plain answer"}], True, {}),
]
cases += [
    ("llama2", [{"role": "system", "content": "Be safe."}, {"role": "user", "content": " Hi "}, {"role": "assistant", "content": "Hello "},
                {"role": "user", "content": "Bye"}], False, {}),
    ("llama2", [{"role": "user", "content": "just one"}], False, {}),
    ("features", [{"role": "user", "content": "  padded  ", "meta": {"a": 1, "b": "x"}}, {"role": "assistant", "content": "a secret"},
                  {"role": "user", "content": "u2"}], False, {}),
]
templates = {"qwen3": qwen3, "chatml": chatml, "llama2": llama2, "features": features}
for name, messages, agp, kwargs in cases:
    template = env.from_string(templates[name])
    special = {"bos_token": "<s>", "eos_token": "</s>"} if name == "llama2" else {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}
    rendered = template.render(messages=messages, add_generation_prompt=agp, **special, **kwargs)
    print(json.dumps({"template": name, "source": None if name in ("qwen3", "chatml") else templates[name], "special": special, "messages": messages, "add_generation_prompt": agp, "kwargs": kwargs, "rendered": rendered},
                     ensure_ascii=False))
