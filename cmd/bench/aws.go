package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// createFunction registers a function with kumo, as the local stack does:
// the zip is a placeholder, the benchmark runs the binary itself.
func createFunction(ctx context.Context, lc *lambda.Client, name string) (string, error) {
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("bootstrap")
	_, _ = w.Write([]byte("#!/bin/sh\n# run by cmd/bench\n"))
	_ = zw.Close()
	out, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Runtime:       lambdatypes.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Role:          aws.String("arn:aws:iam::000000000000:role/" + name),
		Code:          &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()},
		Timeout:       aws.Int32(30),
		Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureArm64},
	})
	if err != nil {
		return "", fmt.Errorf("create function %s: %w", name, err)
	}
	return aws.ToString(out.FunctionArn), nil
}

// createSecret stores an approval signing key (48 bytes, base64url), which
// the intake and notify functions read at start.
func createSecret(ctx context.Context, cfg aws.Config, name string) (string, error) {
	out, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(name),
		SecretString: aws.String("YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2g"),
	})
	if err != nil {
		return "", fmt.Errorf("create secret %s: %w", name, err)
	}
	return aws.ToString(out.ARN), nil
}
