"""A minimal agent CLI on the official openai SDK, run inside a sandbox by the tests of
the ``command`` adapter. It knows nothing of horizonbench: it reads its instruction
from $HB_INSTRUCTION_FILE, talks to $OPENAI_BASE_URL, and runs bash commands."""

import json
import os
import subprocess
import sys

from openai import OpenAI

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "bash",
            "description": "Run a bash command.",
            "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
        },
    },
    {"type": "function", "function": {"name": "submit", "description": "Finish.", "parameters": {"type": "object"}}},
]


def main() -> int:
    client = OpenAI(max_retries=3)
    with open(os.environ["HB_INSTRUCTION_FILE"]) as fh:
        instruction = fh.read()
    system = (
        "You fix code with bash. Act only through the tools, one call per reply. Your first reply must be "
        '{"name": "bash", "arguments": {"command": "ls -R"}}; call submit only once the task is done.'
    )
    messages = [{"role": "system", "content": system}, {"role": "user", "content": instruction}]
    ran = 0
    for step in range(30):
        try:
            model = os.environ.get("HB_MODEL", "default")
            resp = client.chat.completions.create(model=model, messages=messages, tools=TOOLS, max_tokens=400)
        except Exception as exc:  # the gateway says no (budget) or the endpoint failed
            print(f"model call failed: {exc}", file=sys.stderr)
            return 3
        msg = resp.choices[0].message
        messages.append(msg.model_dump(exclude_none=True))
        if not msg.tool_calls:
            messages.append({"role": "user", "content": "Call the bash tool, or submit."})
        for call in msg.tool_calls or []:
            if call.function.name == "submit" and ran:
                print(f"submitted after {step + 1} steps")
                return 0
            if call.function.name == "submit":  # nothing done yet: a submit now is a guess
                messages.append({"role": "tool", "tool_call_id": call.id, "content": "Run a command with bash first."})
                continue
            try:
                command = json.loads(call.function.arguments or "{}").get("command")
            except (json.JSONDecodeError, AttributeError):
                command = None
            if not isinstance(command, str) or not command:
                note = 'bash needs its arguments as {"command": "..."}.'
                messages.append({"role": "tool", "tool_call_id": call.id, "content": note})
                continue
            proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
            output = (proc.stdout + proc.stderr)[-4000:] + f"\n[exit {proc.returncode}]"
            print(f"$ {command}\n{output}")
            ran += 1
            messages.append({"role": "tool", "tool_call_id": call.id, "content": output})
    return 1


if __name__ == "__main__":
    sys.exit(main())
