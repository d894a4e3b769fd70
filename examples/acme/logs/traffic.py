"""The invented traffic behind Acme's example logs: AI hosts, decoys, users and apps.

Kept apart from generate.py, which turns these tables into log lines and the answer key.
"""

from __future__ import annotations

# host -> provider id (DESIGN §5; `character-ai` is new). The answer key is derived from this.
AI_HOSTS: dict[str, str] = {
    "chatgpt.com": "openai",
    "chat.openai.com": "openai",
    "api.openai.com": "openai",
    "claude.ai": "anthropic",
    "api.anthropic.com": "anthropic",
    "gemini.google.com": "google-gemini",
    "generativelanguage.googleapis.com": "google-gemini",
    "copilot.microsoft.com": "microsoft-copilot",
    "api.githubcopilot.com": "github-copilot",
    "www.perplexity.ai": "perplexity",
    "perplexity.ai": "perplexity",
    "huggingface.co": "huggingface",
    "chat.deepseek.com": "deepseek",
    "character.ai": "character-ai",
    "chat.mistral.ai": "mistral",
}

# Hosts that look AI-related to a careless matcher but are not AI services.
DECOYS: dict[str, str] = {
    "gemini.com": "Gemini, a cryptocurrency exchange (not Google Gemini)",
    "exchange.gemini.com": "the same crypto exchange's trading site",
    "www.bard.edu": "Bard College (not Google Bard)",
    "www.openapis.org": "the OpenAPI Initiative (API specifications, not OpenAI)",
    "notopenai.com": "an unrelated site whose name contains 'openai'",
    "api.openai.com.login-verify.net": "a phishing host that starts with an OpenAI hostname",
    "claude-monet-gallery.org": "an art gallery site (Claude Monet)",
    "www.mistral-voile.fr": "a sailing club named after the wind",
    "deepseekers.org": "a hiking club whose name contains 'deepseek'",
    "www.google.com/search?q=chatgpt+vs+claude": "a web search whose query mentions AI tools",
    "www.bing.com/search?q=perplexity+ai+pricing": "a web search whose query mentions an AI tool",
}

NON_AI: list[tuple[str, str, str]] = [
    # host, path, content type
    ("www.google.com", "/search?q=quarterly+report+template", "text/html"),
    ("www.google.com", "/", "text/html"),
    ("outlook.office365.com", "/mail/", "text/html"),
    ("login.microsoftonline.com", "/common/oauth2/v2.0/authorize", "text/html"),
    ("acme.sharepoint.com", "/sites/finance/Shared%20Documents/Forms/AllItems.aspx", "text/html"),
    ("teams.microsoft.com", "/v2/", "text/html"),
    ("www.microsoft.com", "/en-gb/microsoft-365", "text/html"),
    ("github.com", "/acme-analytics/web-app/pull/412", "text/html"),
    ("api.github.com", "/repos/acme-analytics/web-app/pulls", "application/json"),
    ("slack.com", "/api/conversations.history", "application/json"),
    ("acme.slack.com", "/messages/C04EXAMPLE", "text/html"),
    ("acme.atlassian.net", "/browse/SUP-2291", "text/html"),
    ("acme.atlassian.net", "/wiki/spaces/ENG/pages/88231/Runbooks", "text/html"),
    ("zoom.us", "/j/93817263541", "text/html"),
    ("stackoverflow.com", "/questions/tagged/python", "text/html"),
    ("pypi.org", "/simple/requests/", "text/html"),
    ("files.pythonhosted.org", "/packages/source/r/requests/requests-2.32.3.tar.gz", "application/octet-stream"),
    ("registry.npmjs.org", "/next", "application/json"),
    ("docs.python.org", "/3/library/datetime.html", "text/html"),
    ("www.bbc.co.uk", "/news/business", "text/html"),
    ("www.ft.com", "/technology", "text/html"),
    ("www.linkedin.com", "/feed/", "text/html"),
    ("www.youtube.com", "/watch?v=dQw4w9WgXcQ", "text/html"),
    ("acme.my.salesforce.com", "/lightning/o/Opportunity/list", "text/html"),
    ("s3.eu-west-1.amazonaws.com", "/acme-exports/weekly.csv", "text/csv"),
    ("console.aws.amazon.com", "/console/home?region=eu-west-1", "text/html"),
    ("fonts.googleapis.com", "/css2?family=Inter", "text/css"),
    ("storage.googleapis.com", "/acme-public-assets/logo.svg", "image/svg+xml"),
    ("www.wikipedia.org", "/", "text/html"),
    ("en.wikipedia.org", "/wiki/Statistical_hypothesis_test", "text/html"),
    ("ctldl.windowsupdate.com", "/msdownload/update/v3/static/trustedr/en/authrootstl.cab", "application/octet-stream"),
    ("www.gov.uk", "/vat-rates", "text/html"),
    ("news.ycombinator.com", "/", "text/html"),
    ("calendar.google.com", "/calendar/u/0/r", "text/html"),
    ("status.aws.amazon.com", "/", "text/html"),
]

# Squid users and their workstations; "-" is an unauthenticated build server.
SQUID_CLIENTS = {
    "alice": "10.20.1.15", "bob": "10.20.1.22", "carol": "10.20.2.31", "dave": "10.20.2.47",
    "erin": "10.20.3.12", "frank": "10.20.3.58", "grace": "10.20.4.9", "heidi": "10.20.4.73",
    "ivan": "10.20.5.18", "judy": "10.20.5.66", "-": "10.20.40.12",
}

# (user, host, lines, style, allowed). style: connect = CONNECT host:443; url = full URL (SSL bump).
SQUID_AI = [
    ("alice", "chatgpt.com", 8, "connect", True),
    ("alice", "claude.ai", 5, "connect", True),
    ("bob", "api.openai.com", 4, "url", True),
    ("bob", "api.anthropic.com", 3, "url", True),
    ("bob", "generativelanguage.googleapis.com", 2, "url", True),
    ("carol", "gemini.google.com", 4, "connect", True),
    ("carol", "www.perplexity.ai", 3, "connect", True),
    ("dave", "copilot.microsoft.com", 5, "connect", True),
    ("erin", "huggingface.co", 4, "url", True),
    ("erin", "chat.deepseek.com", 3, "connect", False),
    ("frank", "character.ai", 4, "connect", True),
    ("frank", "chatgpt.com", 3, "connect", True),
    ("grace", "api.githubcopilot.com", 6, "connect", True),
    ("heidi", "chat.mistral.ai", 2, "connect", True),
    ("-", "huggingface.co", 3, "url", True),
    ("-", "api.openai.com", 2, "url", True),
]
SQUID_DECOYS = [
    ("judy", "gemini.com"), ("judy", "gemini.com"), ("judy", "exchange.gemini.com"), ("judy", "exchange.gemini.com"),
    ("ivan", "www.bard.edu"), ("ivan", "claude-monet-gallery.org"), ("ivan", "claude-monet-gallery.org"),
    ("alice", "www.openapis.org"), ("bob", "www.openapis.org"), ("carol", "notopenai.com"),
    ("dave", "api.openai.com.login-verify.net"), ("heidi", "www.mistral-voile.fr"), ("heidi", "www.mistral-voile.fr"),
    ("erin", "deepseekers.org"), ("ivan", "www.google.com/search?q=chatgpt+vs+claude"),
    ("judy", "www.bing.com/search?q=perplexity+ai+pricing"), ("grace", "www.openapis.org"),
    ("frank", "gemini.com"), ("ivan", "www.bard.edu"), ("carol", "claude-monet-gallery.org"),
    ("-", "www.openapis.org"), ("bob", "notopenai.com"),
]
SQUID_TOTAL = 300

ZS_DEPT = {
    "alice": "Marketing", "bob": "Engineering", "carol": "Customer Success", "dave": "Sales",
    "frank": "Finance", "grace": "Engineering", "judy": "Finance", "kim": "Data Science",
    "liam": "Customer Success", "mia": "People", "noah": "Sales",
}
ZS_AI = [
    ("alice", "chatgpt.com", 6, True), ("alice", "gemini.google.com", 2, True),
    ("bob", "api.openai.com", 3, True), ("bob", "claude.ai", 4, True),
    ("carol", "www.perplexity.ai", 3, True), ("dave", "copilot.microsoft.com", 4, True),
    ("frank", "chatgpt.com", 2, True), ("kim", "chat.deepseek.com", 2, False),
    ("kim", "huggingface.co", 2, True), ("liam", "character.ai", 2, True),
    ("grace", "api.githubcopilot.com", 3, True),
]
ZS_DECOYS = [
    ("judy", "gemini.com"), ("judy", "exchange.gemini.com"), ("judy", "gemini.com"), ("mia", "www.bard.edu"),
    ("noah", "www.openapis.org"), ("mia", "claude-monet-gallery.org"), ("noah", "notopenai.com"),
    ("alice", "api.openai.com.login-verify.net"), ("kim", "deepseekers.org"),
    ("mia", "www.google.com/search?q=chatgpt+vs+claude"), ("noah", "www.bing.com/search?q=perplexity+ai+pricing"),
    ("frank", "www.mistral-voile.fr"),
]
ZS_TOTAL = 150

ZS_APP = {  # hostname -> (appname, appclass, urlcat)
    "chatgpt.com": ("ChatGPT", "AI & ML Applications", "AI and ML Applications"),
    "api.openai.com": ("OpenAI", "AI & ML Applications", "AI and ML Applications"),
    "claude.ai": ("Claude", "AI & ML Applications", "AI and ML Applications"),
    "gemini.google.com": ("Google Gemini", "AI & ML Applications", "AI and ML Applications"),
    "www.perplexity.ai": ("Perplexity", "AI & ML Applications", "AI and ML Applications"),
    "copilot.microsoft.com": ("Microsoft Copilot", "AI & ML Applications", "AI and ML Applications"),
    "chat.deepseek.com": ("DeepSeek", "AI & ML Applications", "AI and ML Applications"),
    "huggingface.co": ("Hugging Face", "AI & ML Applications", "AI and ML Applications"),
    "character.ai": ("Character.AI", "AI & ML Applications", "AI and ML Applications"),
    "api.githubcopilot.com": ("GitHub Copilot", "AI & ML Applications", "AI and ML Applications"),
    "gemini.com": ("General Browsing", "General Browsing", "Finance"),
    "exchange.gemini.com": ("General Browsing", "General Browsing", "Finance"),
    "www.bard.edu": ("General Browsing", "General Browsing", "Education"),
    "www.openapis.org": ("General Browsing", "General Browsing", "Professional Services"),
    "claude-monet-gallery.org": ("General Browsing", "General Browsing", "Entertainment"),
    "notopenai.com": ("General Browsing", "General Browsing", "Miscellaneous or Unknown"),
    "api.openai.com.login-verify.net": ("General Browsing", "General Browsing", "Phishing"),
    "deepseekers.org": ("General Browsing", "General Browsing", "Sports"),
    "www.mistral-voile.fr": ("General Browsing", "General Browsing", "Sports"),
    "www.google.com": ("Google Search", "Web Search", "Web Search"),
    "www.bing.com": ("Bing", "Web Search", "Web Search"),
    "outlook.office365.com": ("Outlook", "Business Productivity", "Web Mail"),
    "login.microsoftonline.com": ("Microsoft Login Services", "Business Productivity", "Corporate Marketing"),
    "acme.sharepoint.com": ("SharePoint Online", "Business Productivity", "Online and Other Storage"),
    "teams.microsoft.com": ("Microsoft Teams", "Collaboration & Online Meetings", "Web Conferencing"),
    "github.com": ("GitHub", "IT Services", "Professional Services"),
    "api.github.com": ("GitHub", "IT Services", "Professional Services"),
    "slack.com": ("Slack", "Collaboration & Online Meetings", "Instant Messaging"),
    "acme.slack.com": ("Slack", "Collaboration & Online Meetings", "Instant Messaging"),
    "acme.atlassian.net": ("Atlassian", "Business Productivity", "Professional Services"),
    "zoom.us": ("Zoom", "Collaboration & Online Meetings", "Web Conferencing"),
    "www.linkedin.com": ("LinkedIn", "Consumer Apps", "Professional Services"),
    "www.youtube.com": ("YouTube", "Consumer Apps", "Streaming Media"),
    "acme.my.salesforce.com": ("Salesforce", "Sales and Marketing", "Professional Services"),
}

UA_BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36"
UA_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15"
UA_CLI = {"python": "OpenAI/Python 1.57.2", "node": "node-fetch/1.0", "vscode": "GitHubCopilotChat/0.24.2", "hf": "huggingface_hub/0.26.2; python/3.11.9"}
