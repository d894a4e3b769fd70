module example.com/kb-search

go 1.23

require github.com/tmc/langchaingo v0.1.12
