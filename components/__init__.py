"""sfn-patterns: AWS Step Functions workflows as Pulumi components (`import sfn_patterns`, this folder installed).

The public API is what `__all__` names: the workflow components and their args, the parts a team brings
(HandlerSpec), the args every component shares (WorkflowOptions), the IAM policy helpers, and the building blocks
of a state machine of your own with the same secure defaults (Workflow, WorkflowArgs, CommonSettings, AlarmTopic).
A module whose docstring says "Internal" is not part of it and may change without notice.
"""

#: The release; pyproject.toml reads it from here, so this is the one place it is written.
__version__ = "0.1.0"

from . import policies
from .alarm_topic import AlarmTopic
from .image_downloader import ImageDownloader, ImageDownloaderArgs
from .job_poller import JobPoller, JobPollerArgs
from .lambda_iterator import LambdaIterator, LambdaIteratorArgs
from .map_fan_out import MapFanOut, MapFanOutArgs
from .parts import ArgError, HandlerSpec, ResolvedArgError, WorkflowOptions
from .policies import Statement, allow, invoke_functions
from .record_transfer import RecordTransfer, RecordTransferArgs
from .settings import CommonSettings
from .task_tracker import TaskTracker, TaskTrackerArgs
from .workflow import Workflow, WorkflowArgs

__all__ = [
    "AlarmTopic",
    "ArgError",
    "CommonSettings",
    "HandlerSpec",
    "ImageDownloader",
    "ImageDownloaderArgs",
    "JobPoller",
    "JobPollerArgs",
    "LambdaIterator",
    "LambdaIteratorArgs",
    "MapFanOut",
    "MapFanOutArgs",
    "RecordTransfer",
    "RecordTransferArgs",
    "ResolvedArgError",
    "Statement",
    "TaskTracker",
    "TaskTrackerArgs",
    "Workflow",
    "WorkflowArgs",
    "WorkflowOptions",
    "__version__",
    "allow",
    "invoke_functions",
    "policies",
]  # fmt: skip
