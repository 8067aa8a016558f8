"""Which distributions may provide an imported top-level module (for REP002).

Most distributions install a module of their own normalised name (``import requests`` ->
``requests``); the table lists the well-known exceptions, including conda package names.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

ALIASES: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "cv2": (
        "opencv-python",
        "opencv-python-headless",
        "opencv-contrib-python",
        "opencv-contrib-python-headless",
        "opencv",
        "py-opencv",
    ),
    "yaml": ("pyyaml",),
    "PIL": ("pillow", "pillow-simd"),
    "bs4": ("beautifulsoup4",),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "jwt": ("pyjwt",),
    "attr": ("attrs",),
    "OpenSSL": ("pyopenssl",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "serial": ("pyserial",),
    "git": ("gitpython",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "multipart": ("python-multipart",),
    "jose": ("python-jose",),
    "cyclonedx": ("cyclonedx-python-lib", "cyclonedx-bom"),
    "packageurl": ("packageurl-python",),
    "magic": ("python-magic",),
    "torch": ("torch", "pytorch", "torch-cpu"),
    "torchvision": ("torchvision",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly"),
    "pytorch_lightning": ("pytorch-lightning", "lightning"),
    "lightning": ("lightning", "pytorch-lightning"),
    "mpl_toolkits": ("matplotlib",),
    "pkg_resources": ("setuptools",),
    "google.protobuf": ("protobuf",),
    "grpc": ("grpcio",),
    "faiss": ("faiss-cpu", "faiss-gpu", "faiss"),
    "fitz": ("pymupdf",),
    "zmq": ("pyzmq",),
    "MySQLdb": ("mysqlclient",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "umap": ("umap-learn",),
    "xgboost": ("xgboost", "py-xgboost"),
    "lightgbm": ("lightgbm",),
    "Levenshtein": ("levenshtein", "python-levenshtein"),
    "ruamel": ("ruamel-yaml",),
    "gi": ("pygobject",),
    "win32api": ("pywin32",),
    "usb": ("pyusb",),
    "sentencepiece": ("sentencepiece",),
    "tf_keras": ("tf-keras",),
    "jax": ("jax", "jaxlib"),
    "mlflow": ("mlflow", "mlflow-skinny"),
    "wandb": ("wandb",),
    "hydra": ("hydra-core",),
    "omegaconf": ("omegaconf",),
    "pydantic_settings": ("pydantic-settings",),
    "llama_index": ("llama-index", "llama-index-core"),
    "google.genai": ("google-genai",),
    "vertexai": ("google-cloud-aiplatform",),
    "IPython": ("ipython",),
    "docker": ("docker",),
    "kfp": ("kfp",),
    "sagemaker": ("sagemaker",),
    "azure.ai.ml": ("azure-ai-ml",),
    # cloud ML platforms: module names that differ from their distributions
    "hypertune": ("cloudml-hypertune",),
    "azureml": ("azureml-sdk", "azureml-core", "azureml-defaults"),
    "azureml.core": ("azureml-core", "azureml-sdk", "azureml-defaults"),
    "azureml.pipeline": ("azureml-pipeline", "azureml-pipeline-core", "azureml-sdk"),
    "azureml.train": ("azureml-train", "azureml-train-core", "azureml-sdk"),
    "azureml.widgets": ("azureml-widgets",),
    "azureml.opendatasets": ("azureml-opendatasets",),
    "azureml.monitoring": ("azureml-monitoring",),
    "azureml.interpret": ("azureml-interpret",),
    "azureml.mlflow": ("azureml-mlflow",),
    "google.cloud.aiplatform": ("google-cloud-aiplatform",),
    "google.cloud.aiplatform_v1": ("google-cloud-aiplatform",),
    "google_cloud_pipeline_components": ("google-cloud-pipeline-components",),
    "googleapiclient": ("google-api-python-client",),
    "google.api_core": ("google-api-core",),
    "google.auth": ("google-auth",),
    "google.oauth2": ("google-auth",),
    "tfx": ("tfx",),
    "tfx_bsl": ("tfx-bsl",),
    "ml_metadata": ("ml-metadata",),
    "tensorflow_data_validation": ("tensorflow-data-validation",),
    "tensorflow_model_analysis": ("tensorflow-model-analysis",),
    "tensorflow_transform": ("tensorflow-transform",),
    "apache_beam": ("apache-beam",),
    "absl": ("absl-py",),
    "botocore": ("botocore", "boto3"),
    "databricks": ("databricks-sdk", "databricks-connect", "databricks-cli"),
    # other well-known differences
    "skopt": ("scikit-optimize",),
    "imblearn": ("imbalanced-learn",),
    "surprise": ("scikit-surprise",),
    "Bio": ("biopython",),
    "bson": ("pymongo",),
    "paddle": ("paddlepaddle", "paddlepaddle-gpu"),
    "mmcv": ("mmcv", "mmcv-full", "mmcv-lite"),
    "fasttext": ("fasttext", "fasttext-wheel"),
    "win32com": ("pywin32",),
    "pythoncom": ("pywin32",),
    "tflite_runtime": ("tflite-runtime",),
    "sentence_transformers": ("sentence-transformers",),
    "huggingface_hub": ("huggingface-hub",),
    "onnxruntime": ("onnxruntime", "onnxruntime-gpu"),
    "lightning_fabric": ("lightning-fabric", "lightning"),
    "slugify": ("python-slugify",),
    "pynvml": ("nvidia-ml-py", "pynvml"),
    "kafka": ("kafka-python",),
    "telegram": ("python-telegram-bot",),
    "socketio": ("python-socketio",),
    "engineio": ("python-engineio",),
}
# importing these is never a sign of a missing declaration
IMPLICIT = frozenset(
    {"__future__", "setuptools", "pkg_resources", "pip", "_pytest", "typing_extensions"}
)


def candidates(module: str) -> set[str]:
    """Normalised distribution names that could provide ``module`` (dotted)."""
    parts = module.split(".")
    names: set[str] = {canonicalize_name(parts[0]), canonicalize_name(f"python-{parts[0]}")}
    for depth in (3, 2, 1):
        prefix = ".".join(parts[:depth])
        names.update(canonicalize_name(d) for d in ALIASES.get(prefix, ()))
        if depth > 1 and len(parts) >= depth:
            names.add(canonicalize_name("-".join(parts[:depth])))  # google.cloud.storage
    return names
