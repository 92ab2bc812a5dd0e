"""The request bodies of Meta's Llama, Mistral's models, OpenAI's gpt-oss and the chat
bodies like it (DeepSeek, Qwen), and Cohere's models, as tables (see anthropic_amazon.py)."""

from __future__ import annotations

from dataclasses import replace

from bjob.model.requestformats.common import (
    ANY_OBJECT,
    COHERE_COMMAND_PAGE,
    COHERE_COMMAND_R_PAGE,
    COHERE_EMBED_PAGE,
    DEEPSEEK_PAGE,
    LLAMA_PAGE,
    MISTRAL_CHAT_PAGE,
    MISTRAL_TEXT_PAGE,
    NOT_IN_A_BODY,
    OPENAI_CHAT_API,
    OPENAI_PAGE,
    STRINGS,
    request_body,
    strs,
    unit,
)
from bjob.model.requestformats.engine import (
    Arr,
    Bool,
    Either,
    Int,
    Num,
    Obj,
    Str,
)

# --- Meta Llama (model-parameters-meta): temperature and top_p from 0 to 1, max_gen_len from 1
# to 2,048.
LLAMA = request_body(
    "Meta Llama",
    required={"prompt": Str()},
    optional={
        "temperature": unit(LLAMA_PAGE),
        "top_p": unit(LLAMA_PAGE),
        "max_gen_len": Int(1, 2048, source=LLAMA_PAGE),
        "images": STRINGS,
    },
)
# --- Mistral AI text completion (model-parameters-mistral-text-completion): a prompt (Mistral
# 7B, Mixtral 8x7B, Mistral Large 24.02, Mistral Small 24.02); temperature and top_p from 0
# to 1, top_k from 1 to 200; the max_tokens cap is each model's (MISTRAL_MAX_TOKENS).
MISTRAL_TEXT = request_body(
    "Mistral text completion",
    required={"prompt": Str()},
    optional={
        "max_tokens": Int(minimum=1, source=MISTRAL_TEXT_PAGE),
        "stop": Arr(Str(), max_items=10, source=MISTRAL_TEXT_PAGE),
        "temperature": unit(MISTRAL_TEXT_PAGE),
        "top_p": unit(MISTRAL_TEXT_PAGE),
        "top_k": Int(1, 200, source=MISTRAL_TEXT_PAGE),
    },
)
# --- Mistral AI chat completion (model-parameters-mistral-chat-completion): messages (Mistral
# Large 24.07 and later, Pixtral Large, and the models that came after: Magistral Small,
# Ministral 3, Mistral Large 3, Voxtral, whose model cards point to the chat page).
_CHAT_CONTENT = Either((Str(), Arr(ANY_OBJECT)))
MISTRAL_CHAT = request_body(
    "Mistral chat completion",
    required={
        "messages": Arr(
            Obj(
                required={
                    "role": Str(
                        strs("system", "user", "assistant", "tool"), source=MISTRAL_CHAT_PAGE
                    )
                },
                optional={"content": _CHAT_CONTENT, "tool_calls": Arr(), "tool_call_id": Str()},
            ),
            non_empty=True,
        )
    },
    optional={
        "max_tokens": Int(minimum=1, source=MISTRAL_CHAT_PAGE),
        "temperature": unit(MISTRAL_CHAT_PAGE),
        "top_p": unit(MISTRAL_CHAT_PAGE),
        "stop": Either((Str(), STRINGS)),
        "random_seed": Int(),
        "tools": Arr(ANY_OBJECT),
        "tool_choice": Either((Str(), ANY_OBJECT)),
        "response_format": ANY_OBJECT,
    },
)
# --- OpenAI-style chat completions (gpt-oss; model-parameters-openai, which follows OpenAI's
# Create chat completion): `model` may be given when it names the model (the page: "must match
# the value in the header"; see _naming_the_model); `stream` must be false with InvokeModel,
# which a batch job uses. Ranges from OpenAI's reference: temperature 0-2, top_p 0-1,
# penalties -2-2.
OPENAI_CHAT = request_body(
    "OpenAI-style chat completion",
    required={
        "messages": Arr(
            Obj(
                required={
                    "role": Str(
                        strs("system", "developer", "user", "assistant", "tool"),
                        source=OPENAI_CHAT_API,
                    )
                },
                optional={"content": _CHAT_CONTENT, "tool_calls": Arr(), "tool_call_id": Str()},
            ),
            non_empty=True,
        )
    },
    optional={
        "model": Str(),
        "max_completion_tokens": Int(minimum=1, source=OPENAI_CHAT_API),
        "max_tokens": Int(minimum=1, source=OPENAI_CHAT_API),
        "temperature": Num(0, 2, source=OPENAI_CHAT_API),
        "top_p": unit(OPENAI_CHAT_API),
        "stop": Either((Str(), STRINGS)),
        "seed": Int(),
        "n": Int(minimum=1, source=OPENAI_CHAT_API),
        "reasoning_effort": Str(strs("low", "medium", "high"), source=OPENAI_CHAT_API),
        "tools": Arr(ANY_OBJECT),
        "tool_choice": Either((Str(), ANY_OBJECT)),
        "response_format": ANY_OBJECT,
        "frequency_penalty": Num(-2, 2, source=OPENAI_CHAT_API),
        "presence_penalty": Num(-2, 2, source=OPENAI_CHAT_API),
        "logprobs": Bool(),
        "top_logprobs": Int(0, 20, source=OPENAI_CHAT_API),
        "stream": Bool(
            allowed=False,
            why="a batch job calls InvokeModel, which takes no stream",
            source=OPENAI_PAGE,
        ),
    },
    refused={key: why for key, why in NOT_IN_A_BODY.items() if key != "model"},
)
# --- Qwen (model-cards-qwen; structured-output names response_format for "open weight
# models"): the same OpenAI-style chat body, as AWS's examples send it.
QWEN_CHAT = replace(OPENAI_CHAT, title="Qwen chat completion (OpenAI-style)")
# --- DeepSeek-R1 (model-parameters-deepseek): a prompt; temperature and top_p at most 1,
# max_tokens from 1 to 32,768, stop at most 10 items.
DEEPSEEK_R1 = request_body(
    "DeepSeek-R1",
    required={"prompt": Str()},
    optional={
        "temperature": unit(DEEPSEEK_PAGE),
        "top_p": unit(DEEPSEEK_PAGE),
        "max_tokens": Int(1, 32_768, source=DEEPSEEK_PAGE),
        "stop": Arr(Str(), max_items=10, source=DEEPSEEK_PAGE),
    },
)
# --- Cohere Command (model-parameters-cohere-command): temperature 0-5, p 0-1, k 0-500,
# max_tokens 1-4,096.
COHERE_COMMAND = request_body(
    "Cohere Command",
    required={"prompt": Str()},
    optional={
        "temperature": Num(0, 5, source=COHERE_COMMAND_PAGE),
        "p": unit(COHERE_COMMAND_PAGE),
        "k": Int(0, 500, source=COHERE_COMMAND_PAGE),
        "max_tokens": Int(1, 4096, source=COHERE_COMMAND_PAGE),
        "stop_sequences": STRINGS,
        "return_likelihoods": Str(strs("GENERATION", "ALL", "NONE"), source=COHERE_COMMAND_PAGE),
        "stream": Bool(
            allowed=False,
            why="a batch job calls InvokeModel, which does not stream",
            source=COHERE_COMMAND_PAGE,
        ),
        "num_generations": Int(1, 5, source=COHERE_COMMAND_PAGE),
        "logit_bias": ANY_OBJECT,
        "truncate": Str(strs("NONE", "START", "END"), source=COHERE_COMMAND_PAGE),
    },
)
# --- Cohere Command R and R+ (model-parameters-cohere-command-r-plus): temperature 0-1, p
# 0.01-0.99, k 0-500, penalties 0-1.
COHERE_COMMAND_R = request_body(
    "Cohere Command R",
    required={"message": Str()},
    optional={
        "chat_history": Arr(ANY_OBJECT),
        "documents": Arr(ANY_OBJECT),
        "search_queries_only": Bool(),
        "preamble": Str(),
        "max_tokens": Int(minimum=1, source=COHERE_COMMAND_R_PAGE),
        "temperature": unit(COHERE_COMMAND_R_PAGE),
        "p": Num(0.01, 0.99, source=COHERE_COMMAND_R_PAGE),
        "k": Int(0, 500, source=COHERE_COMMAND_R_PAGE),
        "prompt_truncation": Str(),
        "frequency_penalty": unit(COHERE_COMMAND_R_PAGE),
        "presence_penalty": unit(COHERE_COMMAND_R_PAGE),
        "seed": Int(),
        "return_prompt": Bool(),
        "tools": Arr(ANY_OBJECT),
        "tool_results": Arr(ANY_OBJECT),
        "stop_sequences": STRINGS,
        "raw_prompting": Bool(),
    },
)
COHERE_EMBED = request_body(
    "Cohere Embed",
    required={
        "input_type": Str(
            strs("search_document", "search_query", "classification", "clustering", "image"),
            source=COHERE_EMBED_PAGE,
        )
    },
    optional={
        "texts": STRINGS,
        "images": STRINGS,
        "inputs": Arr(ANY_OBJECT),
        "truncate": Str(strs("NONE", "START", "END", "LEFT", "RIGHT"), source=COHERE_EMBED_PAGE),
        "embedding_types": STRINGS,
        "output_dimension": Int(minimum=1, source=COHERE_EMBED_PAGE),
        "max_tokens": Int(minimum=1, source=COHERE_EMBED_PAGE),
    },
    one_of=("texts", "images", "inputs"),
)
