"""The parser of tool calls written in message text, on replies recorded from a real model and on
examples of each form that GLM, Qwen/Hermes, DeepSeek and Kimi templates teach their models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents.text_tool_calls import ParsedText, TextToolCall, parse_text_tool_calls
from horizonbench.agents.text_tool_render import (
    render_call_error,
    render_tool_result,
    render_tool_results,
    render_tools_prompt,
)
from horizonbench.agents.tools import BASH, EDITOR, SUBMIT

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "real_model"
NAMES = {"bash", "str_replace_editor", "submit"}
SCHEMAS = {t.name: t.parameters for t in (BASH, EDITOR, SUBMIT)}


DS31_LS = (
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>bash<｜tool▁sep｜>"
    '{"command": "ls"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>'
)


def parse(text: str) -> ParsedText:
    return parse_text_tool_calls(text, NAMES, SCHEMAS)


def only(parsed: ParsedText) -> TextToolCall:
    assert len(parsed.calls) == 1, parsed.calls
    return parsed.calls[0]


# -- each form ---------------------------------------------------------------------------------


def test_bare_json_object() -> None:
    call = only(parse('{"name": "bash", "arguments": {"command": "ls -la /app"}}'))
    assert (call.name, call.arguments, call.form, call.error) == ("bash", {"command": "ls -la /app"}, "json", None)


def test_bare_json_with_parameters_key_and_prose_around() -> None:
    parsed = parse('I will list them.\n{"name": "bash", "parameters": {"command": "ls"}}\nThen I read.')
    call = only(parsed)
    assert (call.name, call.arguments, call.form) == ("bash", {"command": "ls"}, "json")
    assert parsed.text == "I will list them.\n\nThen I read."


def test_openai_shaped_object_with_string_arguments() -> None:
    arguments = json.dumps({"command": "view", "path": "/app/a.py"})
    text = json.dumps({"type": "function", "function": {"name": "str_replace_editor", "arguments": arguments}})
    call = only(parse(text))
    assert call.name == "str_replace_editor"
    assert call.arguments == {"command": "view", "path": "/app/a.py"}
    assert call.ok


def test_list_of_calls() -> None:
    text = '[{"name": "bash", "arguments": {"command": "pytest -q"}}, {"name": "submit", "arguments": {}}]'
    parsed = parse(text)
    assert [(c.name, c.arguments, c.form) for c in parsed.calls] == [
        ("bash", {"command": "pytest -q"}, "json"),
        ("submit", {}, "json"),
    ]
    assert parsed.text == ""


def test_fenced_json_block() -> None:
    parsed = parse('Here:\n```json\n{"name": "bash", "arguments": {"command": "cat median.py"}}\n```\n')
    call = only(parsed)
    assert (call.name, call.arguments, call.form) == ("bash", {"command": "cat median.py"}, "fenced")
    assert parsed.text == "Here:"


def test_fenced_code_that_is_not_a_call_is_left_alone() -> None:
    text = 'Use this:\n```python\nprint({"name": "bash", "arguments": {}})\n```\nand ```json\n{"a": 1}\n```'
    parsed = parse(text)
    assert parsed.calls == []
    assert parsed.text == text


def test_hermes_tags_several_calls() -> None:
    text = (
        "<tool_call>\n"
        '{"name": "bash", "arguments": {"command": "ls /app"}}\n'
        "</tool_call>\n"
        "<tool_call>\n"
        '{"name": "str_replace_editor", "arguments": {"command": "view", "path": "/app/median.py"}}\n'
        "</tool_call>"
    )
    parsed = parse(text)
    assert [(c.name, c.form) for c in parsed.calls] == [("bash", "hermes"), ("str_replace_editor", "hermes")]
    assert parsed.calls[1].arguments == {"command": "view", "path": "/app/median.py"}
    assert parsed.text == ""


def test_glm_arg_key_value_pairs_typed_by_schema() -> None:
    # GLM-4.5/4.6 chat template: strings as they are, other values through tojson.
    text = (
        "Let me look at the file.\n"
        "<tool_call>str_replace_editor\n"
        "<arg_key>command</arg_key>\n<arg_value>view</arg_value>\n"
        "<arg_key>path</arg_key>\n<arg_value>/app/median.py</arg_value>\n"
        "<arg_key>view_range</arg_key>\n<arg_value>[1, 4]</arg_value>\n"
        "</tool_call>"
    )
    parsed = parse(text)
    call = only(parsed)
    assert (call.name, call.form) == ("str_replace_editor", "glm")
    assert call.arguments == {"command": "view", "path": "/app/median.py", "view_range": [1, 4]}
    assert parsed.text == "Let me look at the file."


def test_glm_string_parameter_that_looks_like_json_stays_a_string() -> None:
    call = only(parse("<tool_call>bash<arg_key>command</arg_key><arg_value>123</arg_value></tool_call>"))
    assert call.arguments == {"command": "123"}


def test_deepseek_v3() -> None:
    text = (
        "I'll run it."
        "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>bash\n"
        '```json\n{"command": "python -m pytest"}\n```<｜tool▁call▁end｜>\n'
        "<｜tool▁call▁begin｜>function<｜tool▁sep｜>submit\n"
        '```json\n{"summary": "done"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>'
    )
    parsed = parse(text)
    assert [(c.name, c.arguments, c.form) for c in parsed.calls] == [
        ("bash", {"command": "python -m pytest"}, "deepseek"),
        ("submit", {"summary": "done"}, "deepseek"),
    ]
    assert parsed.text == "I'll run it."


def test_deepseek_v31_name_before_separator() -> None:
    text = DS31_LS
    call = only(parse(text))
    assert (call.name, call.arguments, call.form) == ("bash", {"command": "ls"}, "deepseek")


def test_kimi_k2_with_call_ids() -> None:
    text = (
        "Checking.<|tool_calls_section_begin|>"
        '<|tool_call_begin|>functions.bash:0<|tool_call_argument_begin|>{"command": "ls"}<|tool_call_end|>'
        "<|tool_call_begin|>functions.submit:1<|tool_call_argument_begin|>{}<|tool_call_end|>"
        "<|tool_calls_section_end|>"
    )
    parsed = parse(text)
    assert [(c.name, c.arguments, c.form, c.call_id) for c in parsed.calls] == [
        ("bash", {"command": "ls"}, "kimi", "functions.bash:0"),
        ("submit", {}, "kimi", "functions.submit:1"),
    ]
    assert parsed.text == "Checking."


def test_mixed_forms_come_back_in_text_order() -> None:
    text = (
        '```json\n{"name": "bash", "arguments": {"command": "one"}}\n```\n'
        '<tool_call>\n{"name": "bash", "arguments": {"command": "two"}}\n</tool_call>\n'
        '{"name": "bash", "arguments": {"command": "three"}}'
    )
    parsed = parse(text)
    assert [(c.arguments["command"], c.form) for c in parsed.valid if isinstance(c.arguments, dict)] == [
        ("one", "fenced"),
        ("two", "hermes"),
        ("three", "json"),
    ]


# -- what is not a call, and what is a broken one ---------------------------------------------


def test_plain_prose_and_unrelated_json_are_not_calls() -> None:
    text = 'The config is {"name": "app", "port": 80} and the user {"name": "Alice"} said hi.'
    parsed = parse(text)
    assert parsed.calls == []
    assert parsed.text == text


def test_unknown_tool_is_reported_not_run() -> None:
    call = only(parse('{"name": "python", "arguments": {"code": "print(1)"}}'))
    assert call.name == "python"
    assert not call.ok
    assert call.error is not None and "unknown tool 'python'" in call.error


def test_unknown_tool_in_tags_is_reported() -> None:
    call = only(parse('<tool_call>\n{"name": "web_search", "arguments": {"q": "x"}}\n</tool_call>'))
    assert (call.form, call.ok) == ("hermes", False)
    assert call.error is not None and "unknown tool" in call.error


def test_hermes_body_of_the_wrong_shape_is_malformed() -> None:
    call = only(parse('<tool_call>\n{"tool": "bash", "input": "ls"}\n</tool_call>'))
    assert (call.form, call.ok) == ("hermes", False)
    assert call.error == "not a tool call object"


def test_arguments_that_are_not_an_object() -> None:
    call = only(parse('{"name": "bash", "arguments": ["ls"]}'))
    assert call.error == "arguments are not a JSON object"


def test_string_arguments_that_are_not_json() -> None:
    call = only(parse('{"name": "bash", "arguments": "ls -la"}'))
    assert call.arguments == "ls -la"
    assert call.error is not None and call.error.startswith("arguments are not valid JSON")


def test_malformed_json_in_tags_keeps_the_raw_text() -> None:
    call = only(parse("<tool_call>\n{'name': 'bash', 'arguments': {'command': 'ls'}}\n</tool_call>"))
    assert call.form == "hermes"
    assert call.error is not None and call.error.startswith("malformed JSON")
    assert isinstance(call.arguments, str) and "'command': 'ls'" in call.arguments


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ('{"name": "bash", "arguments": {"command": "ls /a', "json"),
        ('```json\n{"name": "bash", "arguments": {"command": "ls', "fenced"),
        ('<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}', "hermes"),
        ("<tool_call>bash\n<arg_key>command</arg_key>\n<arg_value>ls -l", "glm"),
        ('<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>bash\n```json\n{"command": ', "deepseek"),
        ('<|tool_calls_section_begin|><|tool_call_begin|>functions.bash:0<|tool_call_argument_begin|>{"comm', "kimi"),
    ],
)
def test_a_call_cut_off_mid_way_is_reported_in_its_form(text: str, form: str) -> None:
    call = only(parse(text))
    assert call.form == form
    assert call.name == "bash"
    assert not call.ok
    assert call.error is not None and ("cut off" in call.error or "truncated" in call.error or "JSON" in call.error)


def test_truncated_json_is_told_apart_from_malformed_json() -> None:
    truncated = only(parse('{"name": "bash", "arguments": {"command": "ls -la /ap'))
    assert truncated.error == "truncated JSON (the reply was cut off?)"
    broken = only(parse('<tool_call>\n{"name": "bash", "arguments": {"command": "ls",}}\n</tool_call>'))
    assert broken.error is not None and broken.error.startswith("malformed JSON")


def test_a_good_call_survives_a_broken_one_beside_it() -> None:
    good = '<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>\n'
    text = good + '<tool_call>\n{"name": "bash", "argu'
    parsed = parse(text)
    assert [c.ok for c in parsed.calls] == [True, False]
    assert parsed.valid[0].arguments == {"command": "ls"}


# -- the hand-written malformed examples shipped as a fixture ----------------------------------


def hand_written() -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / "hand_written_malformed.json").read_text(encoding="utf-8"))
    assert data["hand_written"] is True
    return list(data["cases"])


@pytest.mark.parametrize("case", hand_written(), ids=lambda c: str(c["id"]))
def test_hand_written_malformed_examples(case: dict[str, Any]) -> None:
    parsed = parse(case["text"])
    got = [{"name": c.name, "form": c.form, "ok": c.ok} for c in parsed.calls]
    assert got == case["expect"]


# -- rendering ---------------------------------------------------------------------------------


def test_text_mode_prompt_describes_every_tool_with_its_schema() -> None:
    prompt = render_tools_prompt([BASH, EDITOR, SUBMIT])
    inside = prompt.split("<tools>\n", 1)[1].split("\n</tools>", 1)[0]
    specs = [json.loads(line) for line in inside.splitlines()]
    assert [s["function"]["name"] for s in specs] == ["bash", "str_replace_editor", "submit"]
    assert specs[0]["function"]["parameters"] == BASH.parameters
    assert "<tool_call>" in prompt


def test_the_prompt_s_own_example_parses_once_filled_in() -> None:
    # What render_tools_prompt asks for must be what the parser reads.
    reply = '<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>'
    assert only(parse(reply)).form == "hermes"


def test_results_answer_in_the_form_of_the_call() -> None:
    hermes = only(parse('<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>'))
    assert render_tool_result(hermes, "a.py") == {"role": "user", "content": "<tool_response>\na.py\n</tool_response>"}

    kimi = only(
        parse(
            "<|tool_calls_section_begin|><|tool_call_begin|>functions.bash:3<|tool_call_argument_begin|>"
            '{"command": "ls"}<|tool_call_end|><|tool_calls_section_end|>'
        )
    )
    assert render_tool_result(kimi, "a.py")["content"] == "## Return of functions.bash:3\na.py"

    ds = only(parse(DS31_LS))
    assert render_tool_result(ds, "a.py")["content"] == (
        "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>a.py<｜tool▁output▁end｜><｜tool▁outputs▁end｜>"
    )

    plain = only(parse('{"name": "bash", "arguments": {"command": "ls"}}'))
    content = render_tool_result(plain, "a.py")["content"]
    assert content.startswith("Result of the bash tool call:") and "a.py" in content


def test_parallel_results_go_in_one_message() -> None:
    parsed = parse(
        '<tool_call>\n{"name": "bash", "arguments": {"command": "a"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "bash", "arguments": {"command": "b"}}\n</tool_call>'
    )
    message = render_tool_results([(parsed.calls[0], "A"), (parsed.calls[1], "B")])
    assert message["content"].count("<tool_response>") == 2
    assert message["content"].index("A") < message["content"].index("B")


def test_call_error_message_names_the_problem() -> None:
    call = only(parse('{"name": "python", "arguments": {}}'))
    assert "unknown tool 'python'" in render_call_error(call)["content"]
    with pytest.raises(ValueError):
        render_call_error(only(parse('{"name": "bash", "arguments": {"command": "ls"}}')))


# -- replies recorded from the real model (scripts/record_real_model.py) ------------------------

MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

# What Qwen2.5-Coder-0.5B-Instruct wrote, read by eye from each recorded reply: (name, form, ok).
RECORDED: dict[str, list[tuple[str, str, bool]]] = {
    # With the tools in the request's tools field: llama.cpp left every call in the text.
    "chat_list_files_native": [("str_replace_editor", "fenced", True)],
    "chat_view_file_native": [("median.py", "fenced", False)],  # a file name used as a tool name
    "chat_submit_native": [("submit", "json", True)],
    "chat_fix_median_native": [],  # prose and a ```python block, no call
    "chat_run_tests_native": [],  # prose and a ```bash block, no call
    "chat_list_files_cut_native": [("str_replace_editor", "fenced", False)],  # max_tokens=12
    # Text mode: the tools described by render_tools_prompt, no tools field.
    "chat_list_files_text": [("str_replace_editor", "fenced", True)],
    "chat_view_file_text": [("median.py", "fenced", False)],
    "chat_submit_text": [("submit", "json", True)],
    "chat_fix_median_text": [],
    "chat_run_tests_text": [],
    "chat_list_files_cut_text": [("str_replace_editor", "fenced", False)],
    # Text mode with the first wording of the tools prompt.
    "chat_run_tests_text_first_prompt": [("bash", "json", True)],
    "chat_fix_median_text_first_prompt": [("median", "fenced", False)],
    "chat_view_file_text_first_prompt": [("median.py", "json", False)],  # inside made-up <tool_response>
    "chat_list_files_text_first_prompt": [],  # a made-up <tool_response> listing, cut off
    "chat_submit_text_first_prompt": [],  # a made-up <tool_response>
    "chat_list_files_cut_text_first_prompt": [],
}


def recorded_content(name: str) -> tuple[dict[str, Any], str]:
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    message = data["response"]["choices"][0]["message"]
    return data, message.get("content") or ""


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_replies(name: str) -> None:
    data, content = recorded_content(name)
    assert data["model"]["sha256"] == MODEL_SHA256
    assert data["status"] == 200
    assert "tool_calls" not in data["response"]["choices"][0]["message"]
    parsed = parse(content)
    assert [(c.name, c.form, c.ok) for c in parsed.calls] == RECORDED[name]


def test_recorded_fenced_call_has_the_model_s_arguments() -> None:
    _, content = recorded_content("chat_list_files_native")
    call = only(parse(content))
    assert isinstance(call.arguments, dict)
    assert (call.arguments["command"], call.arguments["path"]) == ("view", "/app")
    assert parse(content).text == ""


def test_recorded_bare_json_submit() -> None:
    _, content = recorded_content("chat_submit_native")
    call = only(parse(content))
    assert call.arguments == {"summary": "The task is finished and the tests pass. Submit your work."}


def test_recorded_cut_off_reply_is_reported_as_cut_off() -> None:
    data, content = recorded_content("chat_list_files_cut_native")
    assert data["response"]["choices"][0]["finish_reason"] == "length"
    call = only(parse(content))
    assert call.error is not None and "cut off" in call.error


def test_recorded_code_blocks_are_left_in_the_prose() -> None:
    _, content = recorded_content("chat_fix_median_native")
    parsed = parse(content)
    assert parsed.calls == []
    assert "```python\ndef median(xs):" in parsed.text


@pytest.mark.parametrize("cut", [10, 25, 40, 60, 80])
def test_recorded_call_cut_at_any_point_is_never_taken_for_a_good_call(cut: int) -> None:
    # The real fenced call, truncated at several points, as a stream cut off mid-reply would be.
    _, content = recorded_content("chat_list_files_native")
    parsed = parse(content[:cut])
    assert parsed.valid == []


def test_arguments_flattened_beside_a_known_name_recorded_from_the_real_model() -> None:
    # Qwen2.5-Coder-0.5B (llama-server, temperature 0) on the word-report smoke task.
    text = (
        '{"name": "str_replace_editor", "path": "/app/data/report.json", "file_text": "wc -w /app/data/*", '
        '"old_str": "a.txt", "new_str": "1", "insert_line": 2, "view_range": [3, 5]}'
    )
    parsed = parse_text_tool_calls(text, NAMES)
    assert [(c.name, c.form) for c in parsed.valid] == [("str_replace_editor", "json")]
    assert parsed.valid[0].arguments["path"] == "/app/data/report.json"
    submit = parse_text_tool_calls('{"name": "submit", "summary": "done"}', NAMES)
    assert submit.valid[0].arguments == {"summary": "done"}
    assert parse_text_tool_calls('{"name": "Alice", "age": 3}', NAMES).calls == []
