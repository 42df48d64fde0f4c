"""The name of every action the audit log records, and the words a reader sees for it.

The names are stored inside each signed entry, so they never change; add new ones here.
`label` is the wording of the case file's audit extract (export/casefile_audit.py)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class AuditAction(StrEnum):
    # A case and its record (vault/cases.py, vault/workspace.py, vault/case_writing.py).
    CASE_CREATE = "case.create"
    CASE_VIEW = "case.view"
    CASE_UPDATE = "case.update"
    CASE_ACKNOWLEDGE = "case.acknowledge"
    CASE_CHRONOLOGY = "case.chronology"
    CASE_ACTION = "case.action"
    CASE_ACTION_DONE = "case.action-done"
    CASE_DECISION = "case.decision"
    CASE_ESCALATION = "case.escalation"
    CASE_OUTCOME = "case.outcome"
    CASE_STATUS = "case.status"
    CASE_EXPORT = "case.export"
    CASE_PRINT = "case.print"
    CASE_SEAL_FROM_REPORTER = "case.seal-from-reporter"
    CASE_RECEIPT_VIEW = "case.receipt-view"
    CASE_REPLY_TO_REPORTER = "case.reply-to-reporter"
    CASE_PUBLIC_REPLY = "case.public-reply"
    # The inappropriate content report form (vault/content_form.py).
    CONTENT_REPORT = "case.content-report"
    CONTENT_REPORT_COMPLETE = "case.content-report-complete"
    CONTENT_FORM_PRINT = "case.form-print"
    VIR_PRINT = "case.vir-print"  # the Violent Incident Report drawn from a case
    # Evidence (vault/evidence.py, vault/evidence_reading.py, vault/export.py).
    IMAGE_REPORT = "case.image-report"
    EVIDENCE_LIST = "case.evidence-list"
    EVIDENCE_ADD = "evidence.add"
    EVIDENCE_SIGHTING = "evidence.sighting"
    EVIDENCE_THUMBNAIL = "evidence.thumbnail"  # made after a batch (vault/evidence_thumbnails)
    EVIDENCE_VIEW = "evidence.view"
    EVIDENCE_EXTRACT = "evidence.extract"
    EVIDENCE_EXPORT = "evidence.export"
    # People, keys and the school's settings (vault/membership_changes.py, vault/vault.py).
    USER_INVITE = "user.invite"
    USER_ADMIT = "user.admit"
    USER_DECLINE = "user.decline"
    USER_ENROL = "user.enrol"
    USER_CERTIFICATE_ISSUED = "user.certificate-issued"
    USER_REMOVE = "user.remove"
    USER_RESET_ACCESS = "user.reset-access"
    KEYS_ROTATE = "keys.rotate"
    SESSION_SIGN_IN = "session.sign-in"
    SETTINGS_CHANGE = "settings.change"
    AUDIT_VERIFY = "audit.verify"
    # The school roll (vault/roll.py).
    ROLL_IMPORT = "roll.import"
    ROLL_ADD = "roll.add"
    ROLL_LINK = "roll.link"
    ROLL_CONSENT = "roll.consent"  # image or video consent given, refused, withdrawn; a removal
    ROLL_CONSENT_PRINT = "roll.consent-print"  # the record of consent as a PDF
    ROLL_ADULT = "roll.adult"  # an adult who is not a SafeLog user added or marked as left
    PUPIL_VIEW = "pupil.view"
    PUPIL_EXPORT = "pupil.export"  # a pupil's chronology as a signed PDF (vault/pupil_export.py)
    # Child protection file transfers (vault/transfers.py, vault/transfer_keys.py).
    TRANSFER_KEY = "transfer.key"  # the school's transfer key made
    TRANSFER_KEY_EXPORT = "transfer.key-export"  # its public half written to a file
    TRANSFER_SEND = "transfer.send"
    TRANSFER_RECEIVE = "transfer.receive"
    TRANSFER_CONFIRM = "transfer.confirm"  # the receiving school's receipt recorded
    TRANSFER_SAVE = "transfer.save"  # a document of a transfer written to a file
    # Subject access requests (vault/subject_access.py, vault/sar_export.py).
    SAR_RECORD = "sar.record"  # a request recorded (no names in the entry)
    SAR_EXTEND = "sar.extend"  # its deadline extended, once
    SAR_WITHHOLD = "sar.withhold"  # an item marked withheld for serious harm
    SAR_EXPORT = "sar.export"  # a disclosure written to a file, with its SHA-256
    DECLARATION_SIGNED = "declaration.signed"  # a member of staff's policy declaration
    DECLARATION_PRINT = "declaration.print"  # the register of declarations as a PDF
    APPROVAL_REQUEST = "approval.request"  # a request that waits for a decision (no content)
    APPROVAL_DECISION = "approval.decision"  # the decision on it
    APPROVAL_PRINT = "approval.print"  # a request's form as a PDF
    REPORT_GOVERNORS = "report.governors"  # the termly report for governors (PDF, CSV)
    REPORT_INSPECTION = "report.inspection"  # the inspection pack of referrals (PDF, CSV)
    BACKUP_MADE = "backup.made"  # a backup file written (safelog/backup/)
    BACKUP_RESTORED = "backup.restored"  # this vault set up from a backup

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: Mapping[AuditAction, str] = MappingProxyType(
    {
        AuditAction.ROLL_IMPORT: "School roll imported",
        AuditAction.ROLL_ADD: "Pupil added to the roll",
        AuditAction.ROLL_LINK: "Family link recorded on the roll",
        AuditAction.ROLL_CONSENT: "Image consent recorded for a pupil",
        AuditAction.ROLL_CONSENT_PRINT: "Record of image consent printed",
        AuditAction.ROLL_ADULT: "Adult on the school's register added or changed",
        AuditAction.PUPIL_VIEW: "Pupil's page viewed",
        AuditAction.PUPIL_EXPORT: "Pupil's chronology exported",
        AuditAction.TRANSFER_KEY: "School's transfer key made",
        AuditAction.TRANSFER_KEY_EXPORT: "School's transfer key saved to a file",
        AuditAction.TRANSFER_SEND: "Child protection file sent to another school",
        AuditAction.TRANSFER_RECEIVE: "Child protection file received from another school",
        AuditAction.TRANSFER_CONFIRM: "Receipt for a child protection file recorded",
        AuditAction.TRANSFER_SAVE: "Document of a child protection file saved to a file",
        AuditAction.SAR_RECORD: "Subject access request recorded",
        AuditAction.SAR_EXTEND: "Subject access request extended",
        AuditAction.SAR_WITHHOLD: "Item withheld from a subject access disclosure",
        AuditAction.SAR_EXPORT: "Subject access disclosure exported",
        AuditAction.CASE_CREATE: "Case recorded",
        AuditAction.CASE_VIEW: "Case opened and read",
        AuditAction.CASE_UPDATE: "Case changed",
        AuditAction.CASE_ACKNOWLEDGE: "Acknowledged by the DSL",
        AuditAction.CASE_CHRONOLOGY: "Chronology entry added",
        AuditAction.CASE_ACTION: "Action added",
        AuditAction.CASE_ACTION_DONE: "Action completed",
        AuditAction.CASE_DECISION: "Decision recorded",
        AuditAction.CASE_ESCALATION: "Escalation recorded",
        AuditAction.CASE_OUTCOME: "Outcome recorded",
        AuditAction.CASE_STATUS: "Status changed",
        AuditAction.CASE_EXPORT: "Case file exported",
        AuditAction.CASE_PRINT: "Working copy printed",
        AuditAction.CASE_SEAL_FROM_REPORTER: "Report sealed from its reporter",
        AuditAction.CASE_RECEIPT_VIEW: "Report receipt read by its reporter",
        AuditAction.CASE_REPLY_TO_REPORTER: "Reply sent to the reporter",
        AuditAction.CASE_PUBLIC_REPLY: "Reply made online recorded",
        AuditAction.CONTENT_REPORT: "Inappropriate content report submitted",
        AuditAction.CONTENT_REPORT_COMPLETE: "Content report completed by the e-safety officer",
        AuditAction.CONTENT_FORM_PRINT: "Content report form saved to print",
        AuditAction.VIR_PRINT: "Violent Incident Report saved to print",
        AuditAction.IMAGE_REPORT: "Image reported and not stored",
        AuditAction.EVIDENCE_LIST: "Evidence list viewed",
        AuditAction.EVIDENCE_ADD: "Evidence added",
        AuditAction.EVIDENCE_SIGHTING: "Evidence added again (the same file)",
        AuditAction.EVIDENCE_THUMBNAIL: "Evidence thumbnail made",
        AuditAction.EVIDENCE_VIEW: "Evidence viewed",
        AuditAction.EVIDENCE_EXTRACT: "Evidence original saved to a file",
        AuditAction.EVIDENCE_EXPORT: "Evidence read for a case file",
        AuditAction.USER_INVITE: "Person invited",
        AuditAction.USER_ADMIT: "Person admitted",
        AuditAction.USER_DECLINE: "Person declined",
        AuditAction.USER_ENROL: "Person enrolled",
        AuditAction.USER_CERTIFICATE_ISSUED: "Certificate issued",
        AuditAction.USER_REMOVE: "Person removed",
        AuditAction.USER_RESET_ACCESS: "Access reset",
        AuditAction.KEYS_ROTATE: "Role keys rotated",
        AuditAction.SESSION_SIGN_IN: "Signed in",
        AuditAction.SETTINGS_CHANGE: "Setting changed",
        AuditAction.AUDIT_VERIFY: "Audit log checked",
        AuditAction.DECLARATION_SIGNED: "Policy declaration signed",
        AuditAction.DECLARATION_PRINT: "Register of policy declarations printed",
        AuditAction.APPROVAL_REQUEST: "Request made for a decision",
        AuditAction.APPROVAL_DECISION: "Decision recorded on a request",
        AuditAction.APPROVAL_PRINT: "Request form printed",
        AuditAction.REPORT_GOVERNORS: "Safeguarding report for governors saved",
        AuditAction.REPORT_INSPECTION: "Inspection pack of referrals saved",
        AuditAction.BACKUP_MADE: "Backup made",
        AuditAction.BACKUP_RESTORED: "Restored from a backup",
    }
)
