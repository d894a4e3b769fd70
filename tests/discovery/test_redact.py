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
