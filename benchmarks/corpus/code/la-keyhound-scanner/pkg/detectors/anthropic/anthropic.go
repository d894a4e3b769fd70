package anthropic

import (
	"context"
	"net/http"
	"regexp"
)

var keyPattern = regexp.MustCompile(`sk-ant-api03-[\w\-]{93}AA`)

func Keywords() []string { return []string{"sk-ant-api03-", "ANTHROPIC_API_KEY"} }

// Verify asks the vendor whether the key is live; the key is never logged.
func Verify(ctx context.Context, key string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.anthropic.com/v1/models", nil)
	req.Header.Set("x-api-key", key)
	req.Header.Set("anthropic-version", "2023-06-01")
	res, err := http.DefaultClient.Do(req)
	return err == nil && res.StatusCode == http.StatusOK
}
