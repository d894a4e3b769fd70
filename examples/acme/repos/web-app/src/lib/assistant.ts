import Anthropic from "@anthropic-ai/sdk";

const anthropic = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY });

export interface ChartContext {
  title: string;
  metric: string;
  points: Array<{ x: string; y: number }>;
}

// Explains a dashboard chart in two or three sentences for the "Explain this chart" button.
export async function explainChart(chart: ChartContext): Promise<string> {
  const message = await anthropic.messages.create({
    model: "claude-3-5-sonnet-latest",
    max_tokens: 300,
    system: "You explain business charts to non-analysts in plain English. Do not speculate about causes.",
    messages: [
      {
        role: "user",
        content: `Chart "${chart.title}" shows ${chart.metric}. Data: ${JSON.stringify(chart.points.slice(-60))}`,
      },
    ],
  });
  const block = message.content[0];
  return block.type === "text" ? block.text : "";
}
