module github.com/northwind/slack-digest

go 1.22

require (
	github.com/anthropics/anthropic-sdk-go v0.2.0-alpha.8
	github.com/slack-go/slack v0.15.0
)
