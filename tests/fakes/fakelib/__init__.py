"""Code shared by the stand-ins for AWS (fake_aws.py) and Jira (fake_jira.py).

Only the standard library is used, plus botocore for checking AWS signatures.
The fakes put this directory on sys.path themselves; tests start the fakes as
child processes through fakelib.process.
"""
