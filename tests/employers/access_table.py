from tests.access import R

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
}
