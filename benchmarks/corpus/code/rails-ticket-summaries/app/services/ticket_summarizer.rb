require "anthropic"

class TicketSummarizer
  def initialize(client: Anthropic::Client.new(access_token: Rails.application.credentials.llm_key))
    @client = client
  end

  def call(ticket)
    response = @client.messages(parameters: {
      model: "claude-3-5-haiku-20241022",
      max_tokens: 300,
      messages: [{ role: "user", content: ticket.body }]
    })
    response.dig("content", 0, "text")
  end
end
