package main

import (
	"context"
	"fmt"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/ollama"
)

func answer(ctx context.Context, q string) (string, error) {
	llm, err := ollama.New(ollama.WithModel("llama3.1"), ollama.WithServerURL("http://ollama.kb.svc:11434"))
	if err != nil {
		return "", fmt.Errorf("ollama: %w", err)
	}
	return llms.GenerateFromSinglePrompt(ctx, llm, q)
}
