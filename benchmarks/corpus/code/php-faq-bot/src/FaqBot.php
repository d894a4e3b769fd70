<?php

declare(strict_types=1);

namespace Faq;

use OpenAI;

final class FaqBot
{
    private \OpenAI\Client $client;

    public function __construct(string $apiKey)
    {
        $this->client = OpenAI::client($apiKey);
    }

    public function answer(string $question): string
    {
        $result = $this->client->chat()->create([
            'model' => 'gpt-4o-mini',
            'messages' => [['role' => 'user', 'content' => $question]],
        ]);
        return $result->choices[0]->message->content;
    }
}
