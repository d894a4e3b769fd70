import { NextResponse } from "next/server";
import { z } from "zod";

import { explainChart } from "@/lib/assistant";

const Body = z.object({
  title: z.string().max(200),
  metric: z.string().max(100),
  points: z.array(z.object({ x: z.string(), y: z.number() })).max(500),
});

export async function POST(request: Request) {
  const parsed = Body.safeParse(await request.json());
  if (!parsed.success) {
    return NextResponse.json({ error: "invalid chart" }, { status: 400 });
  }
  return NextResponse.json({ explanation: await explainChart(parsed.data) });
}
