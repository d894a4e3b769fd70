module github.com/keyhound/keyhound

go 1.22
