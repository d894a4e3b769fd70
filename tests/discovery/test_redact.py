import pytest

from discovery.redact import excerpt, find_secrets, redact

KEYS = [
    "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0" * 2,
    "sk-ant-api03-" + "x" * 40,
    "hf_" + "Q" * 34,
    "AIza" + "B" * 35,
    "gsk_" + "z9" * 22,
]


@pytest.mark.parametrize("key", KEYS)
def test_keys_never_survive_redaction(key):
    text = f'client = Client(api_key="{key}")'
    redacted = redact(text)
    assert key not in redacted
    assert "[redacted sha256:" in redacted
    assert find_secrets(text)


def test_same_key_same_fingerprint_and_env_lookups_untouched():
    assert redact(f"k={KEYS[0]}") == redact(f"k={KEYS[0]}")
    assert redact('key = os.environ["OPENAI_API_KEY"]') == 'key = os.environ["OPENAI_API_KEY"]'
    assert "hunter2hunter2" not in redact("password: hunter2hunter2")


def test_excerpt_is_short_single_line():
    assert len(excerpt("x" * 500)) <= 160


def test_code_assignments_to_secret_named_variables_stay_readable():
    line = 'tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased")'
    assert redact(line) == line


def _redact_without_shortcuts(text: str) -> str:
    """Every pattern run on every text: what redact must equal, whichever shortcut it takes."""
    from discovery import redact as module

    for _kind, pattern in module._KEY_PATTERNS:
        text = pattern.sub(module._fingerprint_match, text)
    saved, module._ASSIGNMENT_LITERALS = module._ASSIGNMENT_LITERALS, ("",)  # "" is in every text
    try:
        return module.redact(text)
    finally:
        module._ASSIGNMENT_LITERALS = saved


@pytest.mark.parametrize("text", [
    "Authorization: BEARER " + "a1" * 15,
    "creds = ASIA" + "Q" * 16 + " and AKIA" + "Z" * 16,
    'API-KEY: "' + "v" * 24 + '"',
    'ſecret = "' + "w" * 20 + '"',  # the long s: case-insensitive matching folds it to s
    "\u212aEY: passwd=" + "p" * 12,  # the Kelvin sign folds to k
    "headers = {'X-Access-Key': 'abcdefgh12345678'}",
    "import openai  # nothing secret here",
    "model = 'gpt-4o'",
    "token=" + "sk-" + "T" * 24,
])
def test_redaction_shortcuts_change_nothing(text: str) -> None:
    assert redact(text) == _redact_without_shortcuts(text)
