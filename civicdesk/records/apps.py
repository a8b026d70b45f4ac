from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "civicdesk.records"
    label = "records"
    verbose_name = "Records"

    def ready(self) -> None:
        # Models are ready only now; the apps below call core.archive.note, which writes here.
        from civicdesk.core.archive import use_archive
        from civicdesk.organizations.audit import use_checkpoints
        from civicdesk.records.anchoring import audit_checkpoints
        from civicdesk.records.archive import drain_notes, queue_notes, write_notes

        use_archive(write_notes, queue=queue_notes, drain=drain_notes)
        use_checkpoints(audit_checkpoints)
