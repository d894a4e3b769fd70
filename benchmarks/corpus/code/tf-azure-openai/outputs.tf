output "endpoint" {
  value = azurerm_cognitive_account.openai.endpoint
}
