package dev.recipes;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
class RecipeController {
    private final ChatModel chatModel;

    RecipeController(ChatModel chatModel) {
        this.chatModel = chatModel;
    }

    @GetMapping("/recipe")
    String recipe(@RequestParam String ingredients) {
        return chatModel.call("Suggest a recipe using " + ingredients);
    }
}
