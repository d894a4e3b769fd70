#!/usr/bin/env node
// Try a prompt against a model running locally in Ollama: npm run try-prompt -- "your prompt"
const prompt = process.argv.slice(2).join(" ") || "Explain a week-over-week drop in active users.";

const res = await fetch("http://localhost:11434/api/generate", {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ model: "llama3.1:8b", prompt, stream: false }),
});
if (!res.ok) {
  console.error(`ollama returned ${res.status}; is 'ollama serve' running?`);
  process.exit(1);
}
const { response } = await res.json();
console.log(response);
