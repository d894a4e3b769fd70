import express from "express";

const app = express();
app.use(express.json());

app.post("/ask", async (req, res) => {
  const r = await fetch(`${process.env.LLM_URL}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "tgi", messages: [{ role: "user", content: req.body.q }] }),
  });
  res.json(await r.json());
});

app.listen(3000);
