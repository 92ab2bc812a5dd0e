"""What every table is built of: the pages the rules come from, a list of strings, any
object, and a request body's table (unknown keys warned of, the record's and job's refused)."""

from __future__ import annotations

from typing import Any

from bjob.model.requestformats.engine import (
    Arr,
    Num,
    Obj,
    Str,
)


def strs(*values: str) -> frozenset[str]:
    return frozenset(values)


STRINGS = Arr(Str())
ANY_OBJECT = Obj()
# Keys that belong to the record or the job, never to a request body: Bedrock refuses a body
# that carries them (the modelId of a batch job is the job's, not each record's).
NOT_IN_A_BODY = {
    "modelId": "the model is the job's (--model), not a key of the request body",
    "model": "the model is the job's (--model), not a key of the request body",
    "recordId": "recordId goes beside modelInput, not inside it",
}


def request_body(title: str, **shape: Any) -> Obj:
    """A request body's table: keys it does not know are warnings, and the keys that belong
    to the record or the job are refused (unless the table says otherwise)."""
    shape.setdefault("refused", NOT_IN_A_BODY)
    return Obj(title=title, unknown="warning", **shape)


# Where each rule comes from: the Bedrock user guide's page of each family ("Inference request
# parameters and response fields for foundation models", docs.aws.amazon.com/bedrock/latest/
# userguide/<page>.html), the Bedrock API reference, the Amazon Nova user guide and the
# Anthropic pages the Bedrock Claude page sends its readers to.
USER_GUIDE = "Bedrock user guide, "
CLAUDE_PAGE = USER_GUIDE + "model-parameters-anthropic-claude-messages-request-response"
CLAUDE_MODELS_PAGE = "Anthropic models overview (max output per model), docs.anthropic.com"
CLAUDE_VISION_PAGE = "Anthropic vision guide (on Bedrock, base64 sources only), platform.claude.com"
STRUCTURED_OUTPUT_PAGE = USER_GUIDE + "structured-output"
CONVERSE_PAGE = "Bedrock API reference, API_runtime_Converse"
NOVA_PAGE = "Amazon Nova user guide, complete-request-schema"
NOVA_EMBEDDINGS_PAGE = "Amazon Nova user guide, embeddings-schema"
TITAN_TEXT_PAGE = USER_GUIDE + "model-parameters-titan-text"
TITAN_EMBEDDINGS_PAGE = USER_GUIDE + "model-parameters-titan-embed-text"
TITAN_MULTIMODAL_PAGE = USER_GUIDE + "model-parameters-titan-embed-mm"
LLAMA_PAGE = USER_GUIDE + "model-parameters-meta"
MISTRAL_TEXT_PAGE = USER_GUIDE + "model-parameters-mistral-text-completion"
MISTRAL_CHAT_PAGE = USER_GUIDE + "model-parameters-mistral-chat-completion"
OPENAI_PAGE = USER_GUIDE + "model-parameters-openai"
OPENAI_CHAT_API = (
    "OpenAI API reference, Create chat completion (which model-parameters-openai follows)"
)
DEEPSEEK_PAGE = USER_GUIDE + "model-parameters-deepseek"
QWEN_PAGE = USER_GUIDE + "model-cards-qwen and structured-output (OpenAI-style chat body)"
COHERE_COMMAND_PAGE = USER_GUIDE + "model-parameters-cohere-command"
COHERE_COMMAND_R_PAGE = USER_GUIDE + "model-parameters-cohere-command-r-plus"
COHERE_EMBED_PAGE = USER_GUIDE + "model-parameters-embed"


def unit(source: str) -> Num:
    """A number from 0 to 1 (temperature, top_p on most pages)."""
    return Num(0, 1, source=source)
