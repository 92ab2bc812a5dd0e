"""The request bodies of Anthropic's Claude (Messages API), the Converse API, and Amazon's
Nova and Titan models, as tables: keys, JSON types, allowed values, nesting, each rule
naming the page it comes from (common.py)."""

from __future__ import annotations

from bjob.model.requestformats.common import (
    ANY_OBJECT,
    CLAUDE_PAGE,
    CLAUDE_VISION_PAGE,
    CONVERSE_PAGE,
    NOVA_EMBEDDINGS_PAGE,
    NOVA_PAGE,
    STRINGS,
    TITAN_EMBEDDINGS_PAGE,
    TITAN_MULTIMODAL_PAGE,
    TITAN_TEXT_PAGE,
    request_body,
    strs,
    unit,
)
from bjob.model.requestformats.engine import (
    Arr,
    Bool,
    Either,
    Int,
    Obj,
    Str,
    Tagged,
)

# --- Anthropic Claude, Messages API: content is a string or a list of typed blocks.
_IMAGE_MEDIA_TYPES = strs("image/jpeg", "image/png", "image/gif", "image/webp")
# On Bedrock an image is sent as base64 only (the vision guide); its media type and data are
# required members of the source (the Claude page's request example).
_CLAUDE_IMAGE_SOURCE = Tagged(
    "type",
    {
        "base64": Obj(
            required={
                "media_type": Str(_IMAGE_MEDIA_TYPES, source=CLAUDE_VISION_PAGE),
                "data": Str(),
            }
        )
    },
)
# A document's base64 source needs its media type and data too; other source kinds (text,
# content, and those Anthropic adds) are let be.
_CLAUDE_DOCUMENT_SOURCE = Tagged(
    "type",
    {"base64": Obj(required={"media_type": Str(), "data": Str()})},
    open=True,
)
ANTHROPIC_BLOCK = Tagged(
    "type",
    {
        "text": Obj(required={"text": Str()}),
        "image": Obj(required={"source": _CLAUDE_IMAGE_SOURCE}),
        "document": Obj(required={"source": _CLAUDE_DOCUMENT_SOURCE}),
        "tool_use": Obj(required={"id": Str(), "name": Str(), "input": ANY_OBJECT}),
        "tool_result": Obj(
            required={"tool_use_id": Str()},
            optional={"content": Either((Str(), Arr(ANY_OBJECT))), "is_error": Bool()},
        ),
        "thinking": Obj(required={"thinking": Str()}, optional={"signature": Str()}),
        "redacted_thinking": Obj(required={"data": Str()}),
        "search_result": Obj(required={"source": Str(), "title": Str(), "content": Arr()}),
        "server_tool_use": Obj(required={"id": Str(), "name": Str()}),
        "web_search_tool_result": Obj(required={"tool_use_id": Str()}),
        "container_upload": Obj(required={"file_id": Str()}),
    },
)
_ANTHROPIC_CONTENT = Either((Str(), Arr(ANTHROPIC_BLOCK, non_empty=True)))
ANTHROPIC_MESSAGES = request_body(
    "Anthropic Messages",
    required={
        "anthropic_version": Str(strs("bedrock-2023-05-31"), source=CLAUDE_PAGE),
        # The cap is each model's (CLAUDE_MAX_TOKENS below).
        "max_tokens": Int(minimum=1, source=CLAUDE_PAGE),
        "messages": Arr(
            Obj(
                required={
                    "role": Str(
                        strs("user", "assistant"),
                        why="a system prompt goes in the top-level system key",
                        source=CLAUDE_PAGE,
                    ),
                    "content": _ANTHROPIC_CONTENT,
                }
            ),
            non_empty=True,
        ),
    },
    optional={
        "system": Either((Str(), Arr(Tagged("type", {"text": Obj(required={"text": Str()})})))),
        "temperature": unit(CLAUDE_PAGE),
        "top_p": unit(CLAUDE_PAGE),
        "top_k": Int(0, 500, source=CLAUDE_PAGE),
        "stop_sequences": STRINGS,
        "tools": Arr(ANY_OBJECT),
        "tool_choice": ANY_OBJECT,
        "anthropic_beta": STRINGS,
        "thinking": Obj(required={"type": Str()}),
        "metadata": ANY_OBJECT,
        # Structured output: {"format": {"type": "json_schema", "schema": {...}}}.
        "output_config": Obj(
            optional={
                "format": Tagged(
                    "type",
                    {"json_schema": Obj(required={"schema": ANY_OBJECT})},
                )
            }
        ),
    },
)

# --- Converse (API_runtime_Converse): content is a list of blocks, each an object with one
# member naming its kind; system is a list of blocks too. An image, document or video block
# names its format and carries a source (ImageBlock, DocumentBlock, VideoBlock).
_CONVERSE_BLOCK_KINDS = (
    "text",
    "image",
    "document",
    "video",
    "audio",
    "toolUse",
    "toolResult",
    "guardContent",
    "cachePoint",
    "reasoningContent",
    "citationsContent",
    "searchResult",
)
_MEDIA_SOURCE = Obj(one_of=("bytes", "s3Location"))
CONVERSE_IMAGE = Obj(
    required={
        "format": Str(strs("png", "jpeg", "gif", "webp"), source=CONVERSE_PAGE),
        "source": _MEDIA_SOURCE,
    }
)
CONVERSE_DOCUMENT = Obj(
    required={
        "format": Str(
            strs("pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"),
            source=CONVERSE_PAGE,
        ),
        "name": Str(),
        "source": Obj(one_of=("bytes", "s3Location", "text", "content")),
    }
)
CONVERSE_VIDEO = Obj(
    required={
        "format": Str(
            strs("mkv", "mov", "mp4", "webm", "flv", "mpeg", "mpg", "wmv", "three_gp"),
            source=CONVERSE_PAGE,
        ),
        "source": _MEDIA_SOURCE,
    }
)
CONVERSE_BLOCK = Obj(
    optional={
        "text": Str(),
        "image": CONVERSE_IMAGE,
        "document": CONVERSE_DOCUMENT,
        "video": CONVERSE_VIDEO,
    },
    one_of=_CONVERSE_BLOCK_KINDS,
)
_CONVERSE_MESSAGE = Obj(
    required={
        "role": Str(
            strs("user", "assistant"),
            why="a system prompt goes in the top-level system key",
            source=CONVERSE_PAGE,
        ),
        "content": Arr(CONVERSE_BLOCK, non_empty=True),
    }
)
_SYSTEM_BLOCKS = Arr(Obj(optional={"text": Str()}, one_of=("text", "guardContent", "cachePoint")))
# Structured output (OutputConfig, OutputFormat): textFormat {type: json_schema, structure:
# {jsonSchema: {schema: a JSON schema as a string, name, description}}}.
_CONVERSE_OUTPUT_CONFIG = Obj(
    optional={
        "textFormat": Obj(
            required={
                "type": Str(strs("json_schema"), source=CONVERSE_PAGE),
                "structure": Obj(
                    optional={
                        "jsonSchema": Obj(
                            required={"schema": Str()},
                            optional={"name": Str(), "description": Str()},
                        )
                    },
                    one_of=("jsonSchema",),
                ),
            }
        )
    }
)
CONVERSE = request_body(
    "Converse",
    required={"messages": Arr(_CONVERSE_MESSAGE, non_empty=True)},
    optional={
        "system": _SYSTEM_BLOCKS,
        "inferenceConfig": Obj(
            optional={
                "maxTokens": Int(minimum=1, source=CONVERSE_PAGE),
                "temperature": unit(CONVERSE_PAGE),
                "topP": unit(CONVERSE_PAGE),
                "stopSequences": STRINGS,
            }
        ),
        "toolConfig": ANY_OBJECT,
        "guardrailConfig": ANY_OBJECT,
        "additionalModelRequestFields": ANY_OBJECT,
        "additionalModelResponseFieldPaths": STRINGS,
        "promptVariables": ANY_OBJECT,
        "requestMetadata": ANY_OBJECT,
        "performanceConfig": ANY_OBJECT,
        "outputConfig": _CONVERSE_OUTPUT_CONFIG,
    },
)

# --- Amazon Nova understanding models, InvokeModel (messages-v1; Nova user guide,
# complete-request-schema and using-invoke-api): Converse's shape, with schemaVersion;
# inferenceConfig spelled maxTokens/topP/topK (and, in the first docs, max_new_tokens/top_p/
# top_k). Temperature and topP are from 0 to 1.
NOVA = request_body(
    "Amazon Nova (messages-v1)",
    required={"messages": Arr(_CONVERSE_MESSAGE, non_empty=True)},
    optional={
        "schemaVersion": Str(),
        "system": _SYSTEM_BLOCKS,
        "inferenceConfig": Obj(
            optional={
                "maxTokens": Int(minimum=1, source=NOVA_PAGE),
                "max_new_tokens": Int(minimum=1, source=NOVA_PAGE),
                "temperature": unit(NOVA_PAGE),
                "topP": unit(NOVA_PAGE),
                "top_p": unit(NOVA_PAGE),
                "topK": Int(minimum=0, source=NOVA_PAGE),
                "top_k": Int(minimum=0, source=NOVA_PAGE),
                "stopSequences": STRINGS,
                "reasoningConfig": ANY_OBJECT,
            }
        ),
        "toolConfig": ANY_OBJECT,
    },
)
# --- Amazon Nova Multimodal Embeddings (Nova user guide, embeddings-schema): one embedding
# per body (SINGLE_EMBEDDING), or segments of a long input (SEGMENTED_EMBEDDING, the
# asynchronous API's).
_NOVA_EMBEDDING_PURPOSES = strs(
    "GENERIC_INDEX",
    "GENERIC_RETRIEVAL",
    "TEXT_RETRIEVAL",
    "IMAGE_RETRIEVAL",
    "VIDEO_RETRIEVAL",
    "DOCUMENT_RETRIEVAL",
    "AUDIO_RETRIEVAL",
    "CLASSIFICATION",
    "CLUSTERING",
)
_NOVA_SOURCE = Obj(one_of=("bytes", "s3Location"))
NOVA_EMBEDDINGS = request_body(
    "Amazon Nova Multimodal Embeddings",
    required={
        "taskType": Str(
            strs("SINGLE_EMBEDDING", "SEGMENTED_EMBEDDING"), source=NOVA_EMBEDDINGS_PAGE
        )
    },
    optional={
        "schemaVersion": Str(strs("nova-multimodal-embed-v1"), source=NOVA_EMBEDDINGS_PAGE),
        "singleEmbeddingParams": Obj(
            required={
                "embeddingPurpose": Str(_NOVA_EMBEDDING_PURPOSES, source=NOVA_EMBEDDINGS_PAGE)
            },
            optional={
                "embeddingDimension": Int(
                    allowed=frozenset({256, 384, 1024, 3072}), source=NOVA_EMBEDDINGS_PAGE
                ),
                "text": Obj(
                    optional={
                        "truncationMode": Str(
                            strs("START", "END", "NONE"), source=NOVA_EMBEDDINGS_PAGE
                        ),
                        "value": Str(),
                    },
                    one_of=("value", "source"),
                ),
                "image": Obj(
                    required={"source": _NOVA_SOURCE},
                    optional={
                        "detailLevel": Str(
                            strs("STANDARD_IMAGE", "DOCUMENT_IMAGE"), source=NOVA_EMBEDDINGS_PAGE
                        ),
                        "format": Str(
                            strs("png", "jpeg", "gif", "webp"), source=NOVA_EMBEDDINGS_PAGE
                        ),
                    },
                ),
                "audio": Obj(
                    required={"source": _NOVA_SOURCE},
                    optional={
                        "format": Str(strs("mp3", "wav", "ogg"), source=NOVA_EMBEDDINGS_PAGE)
                    },
                ),
                "video": Obj(
                    required={"source": _NOVA_SOURCE},
                    optional={
                        "format": Str(
                            strs("mp4", "mov", "mkv", "webm", "flv", "mpeg", "mpg", "wmv", "3gp"),
                            source=NOVA_EMBEDDINGS_PAGE,
                        ),
                        "embeddingMode": Str(
                            strs("AUDIO_VIDEO_COMBINED", "AUDIO_VIDEO_SEPARATE"),
                            source=NOVA_EMBEDDINGS_PAGE,
                        ),
                    },
                ),
            },
            one_of=("text", "image", "audio", "video"),
        ),
        "segmentedEmbeddingParams": ANY_OBJECT,
    },
    one_of=("singleEmbeddingParams", "segmentedEmbeddingParams"),
)

# --- Amazon Titan Text (model-parameters-titan-text): temperature and topP from 0 to 1; the
# maxTokenCount cap is each model's (TITAN_TEXT_MAX_TOKENS below).
TITAN_TEXT = request_body(
    "Amazon Titan Text",
    required={"inputText": Str()},
    optional={
        "textGenerationConfig": Obj(
            optional={
                "maxTokenCount": Int(minimum=0, source=TITAN_TEXT_PAGE),
                "temperature": unit(TITAN_TEXT_PAGE),
                "topP": unit(TITAN_TEXT_PAGE),
                "stopSequences": STRINGS,
            }
        )
    },
)
# --- Amazon Titan Text Embeddings G1 (v1: inputText only) and V2 (dimensions 256/512/1024,
# normalize, embeddingTypes float/binary) (model-parameters-titan-embed-text).
TITAN_EMBEDDINGS_V1 = request_body(
    "Amazon Titan Text Embeddings G1",
    required={"inputText": Str()},
)
TITAN_EMBEDDINGS = request_body(
    "Amazon Titan Text Embeddings V2",
    required={"inputText": Str()},
    optional={
        "dimensions": Int(allowed=frozenset({256, 512, 1024}), source=TITAN_EMBEDDINGS_PAGE),
        "normalize": Bool(),
        "embeddingTypes": Arr(Str(strs("float", "binary"), source=TITAN_EMBEDDINGS_PAGE)),
    },
)
# --- Amazon Titan Multimodal Embeddings G1 (model-parameters-titan-embed-mm): text, an image
# (base64), or both.
TITAN_MULTIMODAL = request_body(
    "Amazon Titan Multimodal Embeddings",
    optional={
        "inputText": Str(),
        "inputImage": Str(),
        "embeddingConfig": Obj(
            optional={
                "outputEmbeddingLength": Int(
                    allowed=frozenset({256, 384, 1024}), source=TITAN_MULTIMODAL_PAGE
                )
            }
        ),
    },
    one_of=("inputText", "inputImage"),
)
