import { GoogleGenerativeAI } from "@google/generative-ai";

const genAI = new GoogleGenerativeAI(process.env.GEMINI_API_KEY ?? "");
const suggestModel = genAI.getGenerativeModel({ model: "gemini-1.5-flash" });

// Turns a half-typed dashboard search into up to five suggested queries.
export async function suggestQueries(partial: string, metricNames: string[]): Promise<string[]> {
  const prompt =
    `Metrics available: ${metricNames.join(", ")}.\n` +
    `The user typed: "${partial}". Suggest up to five complete search queries, one per line.`;
  const result = await suggestModel.generateContent(prompt);
  return result.response
    .text()
    .split("\n")
    .map((line) => line.replace(/^[-*\d.\s]+/, "").trim())
    .filter(Boolean)
    .slice(0, 5);
}
