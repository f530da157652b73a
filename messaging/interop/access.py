"""Who may export a client's record: the client's therapist and the practice's admins (the
normal rules of ``agreements.access.access_client``; paged care-team access does not extend
to exports). Raises ``Http404`` for anyone else."""

from agreements.access import access_client
from agreements.models import Membership


def access_client_to_export(*, viewer: Membership, client_id: int) -> Membership:
    return access_client(viewer=viewer, client_id=client_id)
