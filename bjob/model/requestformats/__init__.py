"""The request bodies the models take, as data: one table per format family, in depth (keys,
JSON types, allowed values, nesting), each naming its source, checked by code generated
from the table, which names the JSON path of what it finds (`modelInput.messages[0].role`).

engine.py is what the tables are written in (the shapes and the one generator of a body's
check); common.py, anthropic_amazon.py and other_vendors.py are the tables; formats.py
says which table a model takes, with its own values (MODEL_VALUES).

Sources: the Bedrock user guide's "Inference request parameters and response fields for
foundation models" page of each family (docs.aws.amazon.com/bedrock/latest/userguide/
model-parameters-*.html), the Converse API reference (API_runtime_Converse), and the Amazon
Nova user guide (using-invoke-api). What a table is unsure of is not an error: an unknown
key is a warning (the model is likely to reject it), and inside nested objects unknown keys
are let be (new options appear there first). Errors are what the model's validation is
documented to refuse: a missing or mistyped required key, a value outside its documented set,
an empty list that must hold something, and keys Bedrock refuses outright in a body.
"""

from bjob.model.requestformats.engine import (
    BODY_KINDS,
    AnyValue,
    Arr,
    BodyProblem,
    Bool,
    Either,
    Int,
    JsonType,
    Num,
    Obj,
    Severity,
    Shape,
    Str,
    Tagged,
    json_type,
    refine,
)
from bjob.model.requestformats.formats import (
    ALL_FORMATS,
    CONVERSE_FORMAT,
    FORMATS,
    INFERABLE,
    MODEL_VALUES,
    Fit,
    ModelValues,
    RequestFormat,
    best_fits,
    body_problems,
    format_for_model,
    near_fits,
    top_level_fit,
)

__all__ = [
    "ALL_FORMATS",
    "BODY_KINDS",
    "CONVERSE_FORMAT",
    "FORMATS",
    "INFERABLE",
    "MODEL_VALUES",
    "AnyValue",
    "Arr",
    "Bool",
    "BodyProblem",
    "Either",
    "Fit",
    "Int",
    "JsonType",
    "ModelValues",
    "Num",
    "Obj",
    "RequestFormat",
    "Severity",
    "Shape",
    "Str",
    "Tagged",
    "best_fits",
    "body_problems",
    "format_for_model",
    "json_type",
    "near_fits",
    "refine",
    "top_level_fit",
]
