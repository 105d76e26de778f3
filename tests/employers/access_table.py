from tests.access import INSTITUTION, R

EMPLOYER = {R.EMPLOYER}

ACCESS = {
    "employers.index": EMPLOYER,
    "employers.gaps_export": EMPLOYER,
    "employers.workers": EMPLOYER,
    "employers.worker_detail": EMPLOYER,
    "employers.worker_remove": EMPLOYER,
    "employers.roster_template": EMPLOYER,
    "employers.roster_upload": EMPLOYER,
    "employers.roster_confirm": EMPLOYER,
    "employers.posts": EMPLOYER,
    "employers.post_edit": EMPLOYER,
    "employers.post_delete": EMPLOYER,
    "employers.verify": EMPLOYER,
    "employers_api.verify": EMPLOYER,
    "employers.education": EMPLOYER,
    "employers.worker_education": EMPLOYER,
    "employers.worker_dates": EMPLOYER,
    "employers.record_confirm": EMPLOYER,
    "employers.record_delete": EMPLOYER,
    "employers.worker_archive": EMPLOYER,
    "employers.requests_page": EMPLOYER,
    "employers.request_detail": EMPLOYER,
    "employers.request_withdraw": EMPLOYER,
    "employer_requests.inbox": INSTITUTION,
    "employer_requests.incoming": INSTITUTION,
    "employer_requests.accept": INSTITUTION,
    "employer_requests.decline": INSTITUTION,
}
