"""Drives the PyPI `georeport` client (0.3.1), unchanged, against a running gridwatch.

Usage: client.py BASE_URL API_KEY. Reads services and requests without a key in JSON and XML,
as the client does, and posts a ticket with `requests` (the library the client itself sends
with; georeport 0.3.1 has no POST of its own) as the GeoReport v2 form. Prints what it saw as
one JSON line; any failure is an exception and a non-zero exit.
"""

import json
import sys

import requests
from georeport import GeoReport

base, key = sys.argv[1], sys.argv[2]
root = f"{base}/open311/v2"
client = GeoReport(root)
services = client.get_service_list()
codes = sorted(s["service_code"] for s in services)

posted = requests.post(
    f"{root}/requests.json",
    data={
        "api_key": key,
        "service_code": "street_vending",
        "lat": "26.07125",
        "long": "119.28560",
        "address_string": "Market Street, east pavement",
        "description": "a fruit cart on the pavement by the shop",
        "email": "citizen@example.org",
    },
    timeout=30,
)
posted.raise_for_status()
number = posted.json()[0]["service_request_id"]

one = client.get_service_request(number)
listed = client.get_service_requests(service_code="street_vending", status="open")

xml = GeoReport(root, output_format="xml")
xml_services = xml.get_service_list()
xml_one = xml.get_service_request(number)

print(json.dumps({
    "codes": codes,
    "posted": posted.status_code,
    "number": number,
    "one": one,
    "listed": [r["service_request_id"] for r in listed],
    "xml_codes": sorted(s["service_code"] for s in xml_services),
    "xml_one": xml_one,
}))
