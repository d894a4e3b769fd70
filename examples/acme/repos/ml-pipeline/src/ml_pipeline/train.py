"""Fine-tune the ticket-routing classifier."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from ml_pipeline.data import QUEUES, load_tickets

BASE_MODEL = "distilbert-base-uncased"


def main(epochs: int = 2, batch_size: int = 32) -> None:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(BASE_MODEL)
    model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=len(QUEUES))
    model.to(device)

    frame = load_tickets()
    encoded = tokenizer(list(frame["text"]), truncation=True, padding=True, max_length=256, return_tensors="pt")
    labels = torch.tensor(frame["label"].to_numpy())
    dataset = torch.utils.data.TensorDataset(encoded["input_ids"], encoded["attention_mask"], labels)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)

    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-5)
    schedule = get_linear_schedule_with_warmup(optimiser, 100, epochs * len(loader))
    model.train()
    for _ in range(epochs):
        for input_ids, mask, target in loader:
            out = model(input_ids=input_ids.to(device), attention_mask=mask.to(device), labels=target.to(device))
            out.loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
    model.save_pretrained("artifacts/ticket-router")
    tokenizer.save_pretrained("artifacts/ticket-router")


if __name__ == "__main__":
    main()
