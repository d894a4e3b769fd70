package anthropic

import "testing"

func TestPattern(t *testing.T) {
	valid := "ANTHROPIC_API_KEY=sk-ant-api03-o4K9W50nbFmWP1LnzpxPsUISWaLzcz4ZWhRz7aYD0M8a83rWPGDFC0Fp9DpzikhOQ9fH9Bi46UjUW9xDiJIhZaDfkSdIMAA"
	if !keyPattern.MatchString(valid) {
		t.Fatal("should match")
	}
}
