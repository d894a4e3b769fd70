<?php

namespace App\Actions;

use Prism\Prism\Prism;
use Prism\Prism\Enums\Provider;

class WriteListing
{
    public function __invoke(array $facts): string
    {
        return Prism::text()
            ->using(Provider::Anthropic, 'claude-3-5-sonnet-20241022')
            ->withPrompt('Write a listing for: ' . json_encode($facts))
            ->asText()
            ->text;
    }
}
