package main

import (
	"log"
	"os"

	"github.com/northwind/slack-digest/internal/digest"
)

func main() {
	s := digest.New(os.Getenv("DIGEST_LLM_KEY"))
	_ = s
	log.Println("digest ready")
}
