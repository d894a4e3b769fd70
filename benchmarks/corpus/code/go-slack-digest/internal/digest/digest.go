package digest

import (
	"context"
	"strings"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

type Summarizer struct {
	client *anthropic.Client
}

func New(key string) *Summarizer {
	return &Summarizer{client: anthropic.NewClient(option.WithAPIKey(key))}
}

func (s *Summarizer) Summarize(ctx context.Context, msgs []string) (string, error) {
	resp, err := s.client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     anthropic.F(anthropic.ModelClaude3_5HaikuLatest),
		MaxTokens: anthropic.F(int64(512)),
		Messages: anthropic.F([]anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewTextBlock(strings.Join(msgs, "\n"))),
		}),
	})
	if err != nil {
		return "", err
	}
	return resp.Content[0].Text, nil
}
