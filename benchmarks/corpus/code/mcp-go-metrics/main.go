package main

import (
	"context"
	"log"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type QueryArgs struct {
	Expr string `json:"expr"`
}

func main() {
	server := mcp.NewServer(&mcp.Implementation{Name: "metrics", Version: "0.2.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "query", Description: "Run a PromQL query"}, query)
	if err := server.Run(context.Background(), mcp.NewStdioTransport()); err != nil {
		log.Fatal(err)
	}
}
