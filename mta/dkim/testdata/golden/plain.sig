DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;
 s=ed1; t=1762250400; h=from:subject:date:to:message-id:mime-version:
 content-type:content-transfer-encoding:from:to:cc:subject:reply-to;
 bh=sMRXSC1RICzqMNLQgsW5Cavwqll2RmadPCOFmefeaXM=; b=Z4/rRqoX9UR/qoxD/94TJQuRAO
 b87l4BASOO7GCi+NT7nyUCxShQLnju7bqgPRb2lFHCr19tg8bTNQDh0Q4SBw==
